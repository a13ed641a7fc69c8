package io.botfleet.functions.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The edges of the one body reader: what it must still take, next to what it refuses. */
class JsonBodyTest {

    private static JsonNode read(String json, String... freeText) {
        return JsonBody.read(json.getBytes(StandardCharsets.UTF_8), Set.of(freeText));
    }

    private static Problem refused(String json, String... freeText) {
        return catchThrowableOfType(Problem.class, () -> read(json, freeText));
    }

    @Test
    void sixtyFourLevelsAreReadAndSixtyFiveAreNot() {
        String inner63 = "[".repeat(63) + "]".repeat(63);
        assertThat(read("{\"a\":" + inner63 + "}").at("/a" + "/0".repeat(61)).isArray()).isTrue();
        Problem deeper = refused("{\"a\":[" + inner63 + "]}");
        assertThat(deeper.status()).isEqualTo(400);
        assertThat(deeper.errors()).extracting(Problem.FieldError::pointer).containsExactly("/a" + "/0".repeat(63));
    }

    @Test
    void wholeUnicodeIsTextAndHalfASurrogatePairIsNot() {
        assertThat(read("{\"name\":\"\\ud83d\\ude00 caf\u00e9 \u4f1a\u8b70\"}").get("name").asString())
                .isEqualTo("\ud83d\ude00 caf\u00e9 \u4f1a\u8b70");
        assertThat(refused("{\"name\":\"\\ude00\\ud83d\"}").errors()).extracting(Problem.FieldError::detail)
                .containsExactly("contains the unpaired surrogate U+DE00, which is not Unicode text");
    }

    @Test
    void tabAndNewlineOnlyInFreeTextAndNoOtherControlCharacterAnywhere() {
        assertThat(read("{\"reason\":\"one\\n\\ttwo\"}", "/reason").get("reason").asString()).isEqualTo("one\n\ttwo");
        assertThat(refused("{\"reason\":\"one\\r\\ntwo\"}", "/reason").errors()).extracting(Problem.FieldError::pointer)
                .containsExactly("/reason");
        assertThat(refused("{\"name\":\"one\\ttwo\"}", "/reason").errors()).extracting(Problem.FieldError::pointer)
                .containsExactly("/name");
        Problem all = refused("{\"a\":[\"\\u0000\"],\"b\":{\"c/d\":\"\\u009b\"},\"a\":1}");
        assertThat(all.errors()).extracting(Problem.FieldError::pointer)
                .as("every problem at once, each at its field").containsExactly("/a/0", "/b/c~1d", "/a");
        assertThat(all.errors()).extracting(Problem.FieldError::detail).doesNotContain("\u0000");
    }

    @Test
    void numbersAndLiteralsReadAsJacksonReadsThem() throws Exception {
        String json = "{\"i\":1,\"l\":12345678901,\"b\":123456789012345678901234567890,\"d\":1.5,"
                + "\"t\":true,\"f\":false,\"n\":null,\"o\":{\"a\":[1,\"x\",{}]}}";
        JsonNode node = read(json);
        assertThat(node).isEqualTo(Json.MAPPER.readTree(json));
        assertThat(node.get("i").isInt()).isTrue();
        assertThat(node.get("l").isLong()).isTrue();
        assertThat(node.get("b").isBigInteger()).isTrue();
        assertThat(node.get("d").isDouble()).isTrue();
        assertThat(node.get("n").isNull()).isTrue();
    }

    @Test
    void whatIsNotOneJsonValueIsMalformed() {
        for (String body : new String[] {"{\"a\":1} {\"a\":2}", "{\"a\":", "[1,]", "1".repeat(2000)}) {
            Problem problem = refused(body);
            assertThat(problem.status()).as(body).isEqualTo(400);
            assertThat(problem.toResponse().getBody()).as(body).contains("urn:botfleet:problem:malformed-json");
        }
    }

    /** An unquoted token may be a secret: the answer says where the body breaks, not what it found there. */
    @Test
    void aMalformedBodyIsNotQuotedBack() {
        Problem problem = refused("{\"meeting\": {\"password\": hunter2Planted}}");
        assertThat(problem.getMessage()).startsWith("line 1, column ").contains("Unrecognized token").doesNotContain("hunter2Planted");
    }
}
