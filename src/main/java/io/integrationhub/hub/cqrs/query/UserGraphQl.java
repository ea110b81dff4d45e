package io.integrationhub.hub.cqrs.query;

import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import io.integrationhub.hub.common.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import graphql.ExecutionInput;
import graphql.ExecutionResult;
import graphql.GraphQL;
import graphql.GraphQLError;
import graphql.GraphqlErrorBuilder;
import graphql.analysis.MaxQueryComplexityInstrumentation;
import graphql.analysis.MaxQueryDepthInstrumentation;
import graphql.execution.instrumentation.ChainedInstrumentation;
import graphql.language.Document;
import graphql.language.Field;
import graphql.language.OperationDefinition;
import graphql.language.Selection;
import graphql.parser.Parser;
import graphql.schema.DataFetcher;
import graphql.schema.DataFetchingEnvironment;
import graphql.schema.GraphQLSchema;
import graphql.schema.idl.RuntimeWiring;
import graphql.execution.AsyncExecutionStrategy;
import graphql.schema.idl.SchemaGenerator;
import graphql.schema.idl.SchemaParser;
import io.integrationhub.hub.cqrs.api.UserView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /graphql} over the users read model, with graphql-java and the schema in
 * {@code graphql/users.graphqls}. Answers follow the GraphQL spec: {@code data} and {@code errors};
 * HTTP 200 once the query executed (field errors included), 400 when it could not be executed at
 * all (does not parse, fails validation, exceeds the depth or complexity limit).
 */
public class UserGraphQl {

    /** One page of users in the Relay connection shape of the schema. */
    public record UserConnection(List<UserEdge> edges, PageInfo pageInfo) {
    }

    public record UserEdge(String cursor, UserView node) {
    }

    public record PageInfo(boolean hasNextPage, String endCursor) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(UserGraphQl.class);
    private static final ObjectMapper JSON = Json.MAPPER;
    private static final String CURSOR_PREFIX = "user:";

    private final UserReadModel readModel;
    private final int maxPageSize;
    private final GraphQL graphQl;
    private final GraphQL introspection;
    private final GraphQL subscriptions;

    /**
     * Depth allowed to a query that only asks about the schema ({@code __schema}, {@code __type}): the
     * introspection query of GraphiQL and other tools nests 13 deep, past {@code hub.cqrs.graphql.max-depth}.
     * Its cost is bounded by the schema's size, not the data; graphql-java's good-faith introspection
     * check (on by default) refuses the repeated {@code __schema}/{@code __type} an abusive query would need.
     */
    static final int INTROSPECTION_MAX_DEPTH = 20;

    public UserGraphQl(UserReadModel readModel, int maxDepth, int maxComplexity, int maxPageSize) {
        this.readModel = readModel;
        this.maxPageSize = maxPageSize;
        GraphQLSchema schema = schema();
        this.graphQl = GraphQL.newGraphQL(schema)
                .instrumentation(new ChainedInstrumentation(List.of(
                        new MaxQueryDepthInstrumentation(maxDepth),
                        new MaxQueryComplexityInstrumentation(maxComplexity))))
                .build();
        this.introspection = GraphQL.newGraphQL(schema)
                .instrumentation(new MaxQueryDepthInstrumentation(INTROSPECTION_MAX_DEPTH))
                .build();
        // A subscription runs once per change, with the change as its root: graphql-java's own
        // subscription strategy wants a reactive Publisher per subscriber, which the hub would have to
        // write by hand; executing the subscription's selection on each change (as a query is) gives
        // the client the same answer, with the same depth and complexity limits.
        this.subscriptions = GraphQL.newGraphQL(schema)
                .subscriptionExecutionStrategy(new AsyncExecutionStrategy())
                .instrumentation(new ChainedInstrumentation(List.of(
                        new MaxQueryDepthInstrumentation(maxDepth),
                        new MaxQueryComplexityInstrumentation(maxComplexity))))
                .build();
    }

    /** One change of a user, the root of a {@code userChanged} subscription's answer. */
    public record UserChange(String id, String name, String email, String updatedAt, boolean deleted, String event,
                             List<String> changedFields) {
    }

    /** A subscription a client asked for: its document, variables and operation. */
    public record Subscription(String query, Map<String, Object> variables, String operationName) {
    }

    private static final UserChange PROBE = new UserChange("probe", "probe", "probe@example.com",
            "2026-01-01T00:00:00Z", false, "UserCreated", List.of("name", "email"));

    /**
     * The errors of a subscription request (graphql-ws {@code subscribe} payload), empty when it is a
     * valid subscription this hub serves: not a subscription, unknown fields, too deep or too complex
     * are refused before anything is sent.
     */
    public List<Map<String, Object>> check(Subscription subscription) {
        Document document;
        try {
            document = new Parser().parseDocument(subscription.query());
        } catch (RuntimeException e) {
            return List.of(error("the query does not parse: " + e.getMessage()));
        }
        List<OperationDefinition> operations = document.getDefinitionsOfType(OperationDefinition.class).stream()
                .filter(o -> subscription.operationName() == null || subscription.operationName().equals(o.getName()))
                .toList();
        if (operations.size() != 1 || operations.get(0).getOperation() != OperationDefinition.Operation.SUBSCRIPTION) {
            return List.of(error("send one subscription here (subscription { userChanged { … } }); "
                    + "queries go to POST /graphql"));
        }
        ExecutionResult result = subscriptions.execute(input(subscription).root(PROBE).build());
        return result.getErrors().stream().map(GraphQLError::toSpecification).toList();
    }

    /** The answer of {@code subscription} to one change (the {@code next} payload). */
    public Map<String, Object> answer(Subscription subscription, UserChange change) {
        return subscriptions.execute(input(subscription).root(change).build()).toSpecification();
    }

    private static ExecutionInput.Builder input(Subscription subscription) {
        ExecutionInput.Builder input = ExecutionInput.newExecutionInput().query(subscription.query());
        if (subscription.variables() != null) {
            input.variables(subscription.variables());
        }
        if (subscription.operationName() != null) {
            input.operationName(subscription.operationName());
        }
        return input;
    }

    /** Whether every operation of {@code query} selects only schema fields ({@code __schema}, {@code __type}, {@code __typename}). */
    static boolean introspectionOnly(String query) {
        Document document;
        try {
            document = new Parser().parseDocument(query);
        } catch (RuntimeException e) {
            return false; // the limited instance reports the syntax error
        }
        boolean any = false;
        for (OperationDefinition operation : document.getDefinitionsOfType(OperationDefinition.class)) {
            for (Selection<?> selection : operation.getSelectionSet().getSelections()) {
                if (!(selection instanceof Field field) || !field.getName().startsWith("__")) {
                    return false;
                }
                any = true;
            }
        }
        return any;
    }

    /** The answer to one GraphQL request: the response map, and whether the query ran (its data is present). */
    public record Answer(boolean ran, Map<String, Object> body) {
    }

    /** Runs the GraphQL request in {@code body} (JSON: query, variables, operationName). */
    public Answer execute(byte[] body) {
        JsonNode request;
        try {
            request = JSON.readTree(body);
        } catch (Exception e) {
            return new Answer(false, Map.of("errors", List.of(error("the body is not JSON: " + e.getMessage()))));
        }
        JsonNode query = request.path("query");
        if (!query.isTextual() || query.asText().isBlank()) {
            return new Answer(false, Map.of("errors", List.of(error("the body needs a \"query\" string"))));
        }
        JsonNode variables = request.path("variables");
        ExecutionInput.Builder input = ExecutionInput.newExecutionInput().query(query.asText());
        if (variables.isObject()) {
            input.variables(JSON.convertValue(variables, Map.class));
        }
        if (request.path("operationName").isTextual()) {
            input.operationName(request.path("operationName").asText());
        }
        ExecutionResult result = (introspectionOnly(query.asText()) ? introspection : graphQl).execute(input.build());
        return new Answer(result.isDataPresent(), result.toSpecification());
    }

    private GraphQLSchema schema() {
        InputStream sdl = UserGraphQl.class.getResourceAsStream("/graphql/users.graphqls");
        if (sdl == null) {
            throw new IllegalStateException("graphql/users.graphqls is not on the classpath");
        }
        var types = new SchemaParser().parse(new InputStreamReader(sdl, StandardCharsets.UTF_8));
        RuntimeWiring wiring = RuntimeWiring.newRuntimeWiring()
                .type("Query", q -> q
                        .dataFetcher("user", fetcher(env -> readModel.find(env.getArgument("id")).orElse(null)))
                        .dataFetcher("users", fetcher(this::users)))
                // the change a subscription is executed on is its root
                .type("Subscription", t -> t.dataFetcher("userChanged", env -> env.getSource()))
                .build();
        return new SchemaGenerator().makeExecutableSchema(types, wiring);
    }

    private UserConnection users(DataFetchingEnvironment env) throws Exception {
        int first = env.getArgumentOrDefault("first", 20);
        if (first < 1 || first > maxPageSize) {
            throw new IllegalArgumentException("first must be between 1 and " + maxPageSize + ", not " + first);
        }
        String after = env.getArgument("after");
        String afterId = after == null ? null : decodeCursor(after);
        List<UserView> rows = readModel.page(first + 1, afterId);
        boolean hasNext = rows.size() > first;
        List<UserEdge> edges = rows.stream().limit(first).map(u -> new UserEdge(encodeCursor(u.id()), u)).toList();
        return new UserConnection(edges, new PageInfo(hasNext, edges.isEmpty() ? null : edges.get(edges.size() - 1).cursor()));
    }

    /** A data fetcher whose failures become GraphQL field errors with a message fit for the client. */
    private static <T> DataFetcher<T> fetcher(ThrowingFetcher<T> body) {
        return env -> {
            try {
                return body.fetch(env);
            } catch (SQLException e) {
                LOG.warn("GraphQL {} failed on the read model: {}", env.getField().getName(), e.toString());
                throw new IllegalStateException("the read model is unavailable, try again later");
            }
        };
    }

    @FunctionalInterface
    private interface ThrowingFetcher<T> {
        T fetch(DataFetchingEnvironment env) throws Exception;
    }

    static String encodeCursor(String id) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((CURSOR_PREFIX + id).getBytes(StandardCharsets.UTF_8));
    }

    static String decodeCursor(String cursor) {
        try {
            String decoded = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            if (decoded.startsWith(CURSOR_PREFIX)) {
                return decoded.substring(CURSOR_PREFIX.length());
            }
        } catch (IllegalArgumentException e) {
            // not base64: reported below like any other foreign cursor
        }
        throw new IllegalArgumentException("after is not a cursor this API returned: " + cursor);
    }

    private static Map<String, Object> error(String message) {
        GraphQLError error = GraphqlErrorBuilder.newError().message(message).build();
        return error.toSpecification();
    }
}
