package io.integrationhub.hub.testkit;

import java.util.Map;
import java.util.Properties;

import org.apache.camel.test.junit5.CamelContextConfiguration;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.apache.camel.test.junit5.TestExecutionConfiguration;

/**
 * Base of the unit tests of route logic: a camel-test context that is started by the test itself
 * once it has advised the routes (AdviceWith), with the settings the routes read given by
 * {@link #settings()} instead of config/application.properties.
 */
public abstract class RouteUnitTestSupport extends CamelTestSupport {

    /** The {@code {{placeholders}}} the routes under test resolve. */
    protected abstract Map<String, String> settings();

    @Override
    public void configureTest(TestExecutionConfiguration configuration) {
        super.configureTest(configuration);
        configuration.withUseAdviceWith(true);
    }

    @Override
    public void configureContext(CamelContextConfiguration configuration) {
        super.configureContext(configuration);
        Properties props = new Properties();
        props.putAll(settings());
        configuration.withUseOverridePropertiesWithPropertiesComponent(props);
    }
}
