package io.botfleet.infra;

import java.nio.file.Path;
import software.amazon.awscdk.App;
import software.amazon.awscdk.StackProps;

/**
 * The CDK app: one {@link BotfleetStack}, its props read from the file the {@code props} context
 * value names ({@code cdk deploy -c props=my-props.json}), {@code example-props.json} by default.
 */
public final class BotfleetApp {
    private BotfleetApp() {
    }

    public static void main(String[] args) {
        App app = new App();
        Object file = app.getNode().tryGetContext("props");
        BotfleetProps props = BotfleetProps.read(Path.of(file == null ? "example-props.json" : file.toString()));
        new BotfleetStack(app, "Botfleet", StackProps.builder().description("botfleet: fleets of meeting bots").build(), props);
        app.synth();
    }
}
