package io.botfleet.infra;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.cxapi.SynthesisMessage;

/** cdk-nag's AwsSolutions rules over the whole stack: no finding left that the code does not answer with a reason. */
class NagTest {

    @Test
    void theStackHasNoUnsuppressedAwsSolutionsFinding() {
        noUnsuppressedFinding(BotfleetProps.read(Path.of("example-props.json")));
    }

    /** The stack whose functions authorize the client routes: each route without an authorizer answered for. */
    @Test
    void theStackForTenantKeysHasNoUnsuppressedAwsSolutionsFinding() throws Exception {
        noUnsuppressedFinding(BotfleetProps.from(BotfleetStackTest.tenantKeysProps()));
    }

    private static void noUnsuppressedFinding(BotfleetProps props) {
        App app = new App();
        BotfleetStack stack = new BotfleetStack(app, "Botfleet", StackProps.builder().build(), props);
        Aspects.of(app).add(AwsSolutionsChecks.Builder.create().verbose(true).build());
        Annotations annotations = Annotations.fromStack(stack);
        List<SynthesisMessage> errors = annotations.findError("*", Match.stringLikeRegexp("AwsSolutions-.*"));
        List<SynthesisMessage> warnings = annotations.findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"));
        assertThat(errors.stream().map(e -> e.getId() + " " + e.getEntry().getData()).toList()).as("errors").isEmpty();
        assertThat(warnings.stream().map(e -> e.getId() + " " + e.getEntry().getData()).toList()).as("warnings").isEmpty();
    }
}
