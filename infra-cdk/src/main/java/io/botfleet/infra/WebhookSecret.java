package io.botfleet.infra;

import java.util.List;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.SecretValue;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;
import software.constructs.Construct;

/**
 * The status webhooks' signing key, {@code WEBHOOK_SECRET}, in the Standard Webhooks form
 * ({@code whsec_} + base64), made by CloudFormation alone, so synthesis needs no AWS call and no
 * value is ever in the template. Secrets Manager generates {@code KeyMaterial}: 44 letters and
 * digits, which are base64 characters, so it is the base64 of 33 bytes (about 262 random bits);
 * {@code Value} is {@code whsec_} joined to it by a dynamic reference that CloudFormation
 * resolves when it creates the secret. The functions read {@code Value} only.
 */
final class WebhookSecret extends Construct {
    /** 11 whole base64 quanta of 4 characters: 33 bytes, above Standard Webhooks' 24-byte minimum. */
    static final int LENGTH = 44;

    private final Secret value;

    WebhookSecret(Construct scope, String id) {
        super(scope, id);
        Secret material = Secret.Builder.create(this, "KeyMaterial")
                .description("botfleet: the random part of the webhook signing key (the functions read WebhookSecret)")
                .generateSecretString(SecretStringGenerator.builder().passwordLength(LENGTH).excludePunctuation(true)
                        .includeSpace(false).build())
                .build();
        value = Secret.Builder.create(this, "Value")
                .description("botfleet: WEBHOOK_SECRET, the key of the status webhooks' signatures (whsec_ + base64)")
                // a dynamic reference, not the value: the CDK has no other way to join text to a secret
                .secretStringValue(SecretValue.unsafePlainText(
                        Fn.join("", List.of("whsec_", material.getSecretValue().unsafeUnwrap()))))
                .build();
    }

    Secret value() {
        return value;
    }
}
