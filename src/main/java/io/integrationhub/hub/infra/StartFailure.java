package io.integrationhub.hub.infra;

import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;

/**
 * Turns what stopped the hub's start into one line: the outermost message (which file, port or
 * setting) and the innermost one (why), e.g. {@code Error pre-parsing resource:
 * file:routes/broken.camel.yaml: expected <block end>, but found '<block mapping start>' (line 3,
 * column 4)}.
 */
public final class StartFailure {

    private StartFailure() {
    }

    public static String reason(Throwable failure) {
        Throwable innermost = failure;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof PortNotBoundException) {
                return t.getMessage();
            }
            innermost = t;
        }
        String outer = oneLine(failure.getMessage());
        String inner = innermost instanceof MarkedYamlEngineException yaml ? yamlProblem(yaml) : oneLine(innermost.getMessage());
        if (outer.isEmpty()) {
            return inner.isEmpty() ? failure.getClass().getName() : inner;
        }
        return innermost == failure || inner.isEmpty() || outer.contains(inner) ? outer : outer + ": " + inner;
    }

    private static String yamlProblem(MarkedYamlEngineException e) {
        String problem = e.getProblem() != null ? e.getProblem() : oneLine(e.getMessage());
        return e.getProblemMark().map(StartFailure::where).map(w -> problem + " (" + w + ")").orElse(problem);
    }

    private static String where(Mark mark) {
        return "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
    }

    private static String oneLine(String message) {
        return message == null ? "" : message.strip().replaceAll("\\s*\\n\\s*", " ");
    }
}
