package io.integrationhub.hub;

import java.util.List;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.integrationhub.hub.common.HttpProblemException;
import io.integrationhub.hub.common.JsonRequests;
import io.integrationhub.hub.common.JsonResponses;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.RoutesBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package graph of docs/architecture.md: patterns depend on a core ({@code infra}, {@code common})
 * that knows none of them, a pattern uses another only through its {@code api} package, and no
 * cycle runs between top-level packages. Only {@link HubRuntime}, beside the main, lists the patterns.
 */
class ArchitectureTest {

    private static final String BASE = "io.integrationhub.hub";
    /** The pattern packages; a new pattern is added here and in {@link HubRuntime}. */
    static final List<String> PATTERNS = List.of("circuitbreaker", "cqrs", "eventlog", "gateway", "pubsub", "queue",
            "recovery", "requestreply", "saga", "samples");

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages(BASE);
    }

    @Test
    void shouldHaveNoCycleBetweenTopLevelPackages() {
        slices().matching(BASE + ".(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void shouldKeepTheCoreFreeOfPatterns() {
        noClasses().that().resideInAnyPackage(BASE + ".infra..", BASE + ".common..")
                .should().dependOnClassesThat().resideInAnyPackage(PATTERNS.stream().map(p -> BASE + "." + p + "..").toArray(String[]::new))
                .because("the core serves every pattern and is listed before them (HubRuntime)")
                .check(classes);
    }

    @TestFactory
    List<DynamicTest> shouldUseOtherPatternsOnlyThroughTheirApi() {
        return PATTERNS.stream().map(pattern -> DynamicTest.dynamicTest(pattern, () -> {
            String[] others = PATTERNS.stream().filter(p -> !p.equals(pattern)).map(p -> BASE + "." + p + "..").toArray(String[]::new);
            noClasses().that().resideInAPackage(BASE + "." + pattern + "..")
                    .should().dependOnClassesThat(resideInAnyPackage(others).and(not(resideInAPackage("..api.."))))
                    .because("what two patterns share lives in common/, what one offers another in its api package")
                    .check(classes);
        })).toList();
    }

    @Test
    void shouldKeepHttpOutOfBeans() {
        // beans speak the domain (DomainException, return values); routes and their configurations
        // turn that into HTTP answers. A route's lambdas compile into the route class itself.
        noClasses().that(resideInAnyPackage(PATTERNS.stream().map(p -> BASE + "." + p + "..").toArray(String[]::new))
                        .and(not(assignableTo(RoutesBuilder.class)))
                        .and(not(assignableTo(CamelConfiguration.class))))
                .should().dependOnClassesThat().belongToAnyOf(HttpProblemException.class, JsonResponses.class, JsonRequests.class)
                .because("a bean throws DomainException or returns a value; route configuration http-problem answers")
                .check(classes);
    }

    @Test
    void shouldKnowEveryPatternPackage() {
        // a package added under the base without being named core or pattern would escape the rules above
        List<String> topLevel = classes.stream().map(c -> c.getPackageName())
                .filter(p -> p.startsWith(BASE + "."))
                .map(p -> p.substring(BASE.length() + 1).split("\\.")[0])
                .distinct().filter(p -> !p.equals("infra") && !p.equals("common")).sorted().toList();
        assertThat(topLevel).containsExactlyInAnyOrderElementsOf(PATTERNS);
    }
}
