package io.integrationhub.hub.cqrs.api;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The CQRS read side's questions that other patterns may ask (the gRPC UserService), answered from
 * the read model. Bound in the registry by the CQRS configuration; looked up by type.
 */
public interface UserQueries {

    /** The user as the read model has it, within {@code timeout}. */
    Optional<UserView> find(String id, Duration timeout) throws SQLException;

    /** Up to {@code limit} users ordered by id, after {@code afterId} (null: from the first), within {@code timeout}. */
    List<UserView> page(int limit, String afterId, Duration timeout) throws SQLException;
}
