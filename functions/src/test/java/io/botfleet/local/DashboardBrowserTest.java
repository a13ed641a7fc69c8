package io.botfleet.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard as a person sees it: the local runner as a real process, its page in headless
 * Chromium (Debian's chromium and chromium-driver; .ci/run installs them), bots deployed and stopped
 * through the API while the page refreshes itself. What the page shows follows them: a bot in its
 * call, one waiting in the queue and why, the stop, the waiting bot taking the unit, a bot's
 * timeline, the chart. The page is saved as target/dashboard.png (the README's picture).
 */
class DashboardBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String ZOOM = "{\"meetingUrl\":\"https://zoom.us/j/123456789\"}";
    private static final Duration WITHIN = Duration.ofSeconds(30);

    @TempDir
    Path temp;
    private RunnerProcess runner;
    private WebDriver browser;

    @BeforeEach
    void browser() {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Debian's chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString())).build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void close() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (runner != null) {
            runner.close();
        }
    }

    @Test
    void thePageFollowsBotsFromTheQueueToTheirCallAndTheirStop() throws Exception {
        runner = RunnerProcess.start(temp.resolve("data"), Map.of("LOCAL_BOT_LIMIT", "1", "BOT_SIM_DURATION", "10m",
                "BOT_HEARTBEAT_INTERVAL", "500ms", "SCHEDULE_INTERVAL", "500ms"));
        browser.get(runner.base() + "/?refresh=300");
        await("the platform's row", () -> text("#platforms tr[data-platform='local'] .used"), "0 / 1");

        assertThat(runner.post("/bots", ZOOM).statusCode()).isEqualTo(201);
        await("bot 1 in its call", () -> text("#bots tr[data-bot='1'] .status"), "IN_CALL");
        await("the platform full", () -> text("#platforms tr[data-platform='local'] .used"), "1 / 1");

        assertThat(runner.post("/bots", ZOOM).statusCode()).isEqualTo(202);
        await("bot 2 waiting", () -> text("#queue tr[data-bot='2'] .wait-reason"), "NO_CAPACITY");
        await("bot 2 queued", () -> text("#bots tr[data-bot='2'] .status"), "QUEUED");

        assertThat(runner.post("/bots/1/stop", "").statusCode()).isEqualTo(202);
        await("bot 1 stopped", () -> text("#bots tr[data-bot='1'] .status"), "DONE");
        await("bot 1's reason", () -> text("#bots tr[data-bot='1'] .reason"), "STOPPED");
        await("bot 2 took the unit", () -> text("#bots tr[data-bot='2'] .status"), "IN_CALL");
        await("the queue empty", () -> text("#queue tbody"), "nobody waits");

        click("#bots tr[data-bot='1']");
        await("bot 1's timeline", () -> { // the bot may say CALL_ENDED before its DONE
            String shown = String.join(",", texts("#timeline li.event b"));
            return shown.startsWith("QUEUED,DEPLOYING,JOINING_CALL,IN_CALL,LEAVING,") && shown.endsWith(",DONE")
                    ? "from QUEUED to DONE" : shown;
        }, "from QUEUED to DONE");
        await("two placements on the chart", () -> String.valueOf(attributes(
                "#chart rect[data-platform='local'][data-kind='placed']", "data-count").stream()
                .mapToInt(Integer::parseInt).sum()), "2");
        assertThat(text("#error")).isEmpty();

        Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        Path target = Path.of("target", "dashboard.png");
        Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.size(target)).isGreaterThan(10_000);
    }

    // The page redraws its tables every refresh: what it shows is read in one script, between two
    // redraws, rather than element by element.
    private String text(String css) {
        List<String> found = texts(css);
        return found.isEmpty() ? "" : found.get(0);
    }

    @SuppressWarnings("unchecked")
    private List<String> texts(String css) {
        return (List<String>) ((JavascriptExecutor) browser).executeScript(
                "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent)", css);
    }

    @SuppressWarnings("unchecked")
    private List<String> attributes(String css, String name) {
        return (List<String>) ((JavascriptExecutor) browser).executeScript(
                "return [...document.querySelectorAll(arguments[0])].map(e => e.getAttribute(arguments[1]))", css, name);
    }

    private void click(String css) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                browser.findElement(By.cssSelector(css)).click();
                return;
            } catch (StaleElementReferenceException redrawn) {
                if (attempt == 10) {
                    throw redrawn;
                }
                Thread.sleep(50);
            }
        }
    }

    /** Waits until what the page shows is {@code expected}; fails saying what it showed last. */
    private void await(String what, Supplier<String> shown, String expected) throws InterruptedException {
        long end = System.nanoTime() + WITHIN.toNanos();
        String last = shown.get();
        while (!expected.equals(last)) {
            if (System.nanoTime() > end) {
                throw new AssertionError(what + ": the page shows '" + last + "', not '" + expected + "'; error line: '"
                        + text("#error") + "'");
            }
            Thread.sleep(100);
            last = shown.get();
        }
    }
}
