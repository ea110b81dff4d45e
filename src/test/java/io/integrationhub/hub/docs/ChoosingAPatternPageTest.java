package io.integrationhub.hub.docs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/choosing-a-pattern.md takes its figures from the pages the benchmark harness rewrites, by link:
 * every link into benchmarks.md (or another doc) must name a heading that is there, so a harness run
 * that renames a section breaks this test rather than the page; and every test it names must exist.
 */
class ChoosingAPatternPageTest {

    private static final Path DOCS = Path.of("docs");

    @Test
    void shouldLinkOnlyToSectionsThatExist() throws Exception {
        String page = Files.readString(DOCS.resolve("choosing-a-pattern.md"));
        Matcher link = Pattern.compile("\\]\\(([a-z-]+\\.md)?#([a-z0-9-]+)\\)").matcher(page);
        int links = 0;
        while (link.find()) {
            String file = link.group(1) == null ? "choosing-a-pattern.md" : link.group(1);
            assertThat(anchors(Files.readString(DOCS.resolve(file)))).as(link.group()).contains(link.group(2));
            links++;
        }
        assertThat(links).isGreaterThan(15);
    }

    @Test
    void shouldNameOnlyTestsThatExist() throws Exception {
        String page = Files.readString(DOCS.resolve("choosing-a-pattern.md"));
        Matcher test = Pattern.compile("`([A-Z][A-Za-z]+(?:Test|JarIT))`").matcher(page);
        int named = 0;
        while (test.find()) {
            try (var files = Files.walk(Path.of("src/test/java"))) {
                String name = test.group(1) + ".java";
                assertThat(files.anyMatch(p -> p.getFileName().toString().equals(name))).as(name).isTrue();
            }
            named++;
        }
        assertThat(named).isGreaterThan(20);
    }

    /** GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces as dashes. */
    private static Set<String> anchors(String markdown) {
        Set<String> anchors = new HashSet<>();
        for (String line : markdown.split("\n")) {
            if (line.startsWith("#")) {
                String title = line.replaceFirst("^#+\\s*", "").trim().toLowerCase(Locale.ROOT);
                anchors.add(title.replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
            }
        }
        return anchors;
    }
}
