package io.botfleet.functions.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.botfleet.bot.BotConfig;
import io.botfleet.bot.MeetingPlatform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** One meeting URL is enough: its host decides the platform, and a contradiction is refused at its field. */
class MeetingUrlTest {

    private static BotConfig parse(String json) throws Exception {
        return DeployRequest.parse(Json.MAPPER.readTree(json), true, Caller.OPERATOR);
    }

    @ParameterizedTest
    @CsvSource({
            "https://zoom.us/j/123456789?pwd=abc, ZOOM",
            "https://us02web.zoom.us/j/123456789, ZOOM",
            "https://acme.zoomgov.com/j/160123, ZOOM",
            "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0, MICROSOFT_TEAMS",
            "https://teams.live.com/meet/9876543210, MICROSOFT_TEAMS",
            "https://meet.google.com/abc-defg-hij, GOOGLE_MEET"})
    void theHostDecidesThePlatform(String url, MeetingPlatform platform) throws Exception {
        BotConfig config = parse("{\"meetingUrl\": \"" + url + "\"}");
        assertThat(config.meeting().platform()).isEqualTo(platform);
        assertThat(config.meeting().url()).isEqualTo(url);
    }

    @Test
    void aPlatformThatContradictsTheUrlIsRefusedAtItsField() {
        Problem problem = catchThrowableOfType(Problem.class, () -> parse(
                "{\"meetingUrl\": \"https://meet.google.com/abc-defg-hij\", \"meeting\": {\"platform\": \"zoom\"}}"));
        assertThat(problem.status()).isEqualTo(400);
        assertThat(problem.errors()).extracting(Problem.FieldError::pointer).containsExactly("/meeting/platform");
    }

    @Test
    void theOldShapeIsCheckedTheSameWay() {
        Problem problem = catchThrowableOfType(Problem.class, () -> parse(
                "{\"meeting\": {\"platform\": \"zoom\", \"url\": \"https://meet.google.com/abc-defg-hij\"}}"));
        assertThat(problem.errors()).extracting(Problem.FieldError::pointer).containsExactly("/meeting/platform");
    }

    @Test
    void aUrlOfNoKnownPlatformIsRefused() {
        for (String url : new String[] {"https://example.com/j/123", "https://zoom.us.example.com/j/1", "https://notzoom.us/j/1"}) {
            Problem problem = catchThrowableOfType(Problem.class, () -> parse("{\"meetingUrl\": \"" + url + "\"}"));
            assertThat(problem.errors()).as(url).extracting(Problem.FieldError::pointer).containsExactly("/meetingUrl");
        }
    }

    @Test
    void thePasswordStillComesWithTheMeeting() throws Exception {
        BotConfig config = parse("{\"meetingUrl\": \"https://zoom.us/j/1\", \"meeting\": {\"id\": \"1\", \"password\": \"s3cret\"}}");
        assertThat(config.meeting().password()).isEqualTo("s3cret");
    }
}
