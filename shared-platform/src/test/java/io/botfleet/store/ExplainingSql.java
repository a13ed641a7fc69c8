package io.botfleet.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The SQL port that asks PostgreSQL for each statement's plan before running it: {@code EXPLAIN}
 * of the same text with the same parameters, through the adapter under test (so the plan is the
 * one for what that adapter sends, the Data API's casts included). Each plan is kept with the step
 * of the scenario that ran the statement and the tables it reads whole (a Seq Scan). A statement
 * that only reads is also run under {@code EXPLAIN ANALYZE}, which counts the rows each plan node
 * actually read: an index can be read whole as surely as a table.
 */
final class ExplainingSql implements Sql {

    /**
     * One statement as planned: the step that ran it, its text, each Seq Scan of a watched table,
     * and for a statement that only reads, the node that read the most rows of a watched table
     * (null for a write, which EXPLAIN ANALYZE would make).
     */
    record Planned(String step, String statement, List<String> seqScans, Read mostRead) {
    }

    /** Rows a plan node read from a watched table (those it returned and those its filters dropped, in all loops). */
    record Read(String node, long rows) {
        @Override
        public String toString() {
            return node + ": " + rows + " rows";
        }
    }

    // A statement that writes, or locks what it reads, is planned without running it.
    private static final Pattern WRITES = Pattern.compile("\\b(INSERT|UPDATE|DELETE|FOR\\s+UPDATE|FOR\\s+SHARE)\\b");

    private final Sql delegate;
    private final Set<String> watched;
    private final List<Planned> planned = new CopyOnWriteArrayList<>();
    private volatile String step = "(no step)";

    /** @param watched the tables whose Seq Scans are noted */
    ExplainingSql(Sql delegate, Set<String> watched) {
        this.delegate = delegate;
        this.watched = watched;
    }

    /** Names the step whose statements are planned next. */
    void step(String name) {
        step = name;
    }

    List<Planned> planned() {
        return List.copyOf(planned);
    }

    @Override
    public List<Row> query(String statement, Params params) {
        plan(statement, params);
        return delegate.query(statement, params);
    }

    @Override
    public int update(String statement, Params params) {
        plan(statement, params);
        return delegate.update(statement, params);
    }

    @Override
    public void transaction(Consumer<Sql> work) {
        delegate.transaction(work); // migrations only
    }

    private void plan(String statement, Params params) {
        // without ANALYZE, EXPLAIN runs nothing: a write is planned, not made
        Row row = delegate.queryOne("EXPLAIN (FORMAT JSON) " + statement, params);
        JsonNode root = JsonMapper.shared().readTree(row.getString("QUERY PLAN")).get(0).get("Plan");
        List<String> seqScans = new ArrayList<>();
        collect(root, seqScans);
        planned.add(new Planned(step, statement, List.copyOf(seqScans), readsOnly(statement) ? mostRead(statement, params) : null));
    }

    private static boolean readsOnly(String statement) {
        return !WRITES.matcher(SqlText.code(statement).toUpperCase(Locale.ROOT)).find();
    }

    private Read mostRead(String statement, Params params) {
        Row row = delegate.queryOne("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, params);
        Read most = new Read("(no watched table)", 0);
        List<JsonNode> nodes = new ArrayList<>(List.of(JsonMapper.shared().readTree(row.getString("QUERY PLAN")).get(0).get("Plan")));
        while (!nodes.isEmpty()) {
            JsonNode node = nodes.removeLast();
            node.path("Plans").forEach(nodes::add);
            String relation = node.path("Relation Name").asString("");
            if (!watched.contains(relation)) {
                continue;
            }
            long rows = (node.path("Actual Rows").asLong(0) + node.path("Rows Removed by Filter").asLong(0)
                    + node.path("Rows Removed by Index Recheck").asLong(0)) * Math.max(1, node.path("Actual Loops").asLong(1));
            if (rows > most.rows()) {
                String index = node.path("Index Name").asString("");
                most = new Read(node.path("Node Type").asString("") + " on " + relation + (index.isEmpty() ? "" : " using " + index), rows);
            }
        }
        return most;
    }

    private void collect(JsonNode node, List<String> seqScans) {
        String relation = node.path("Relation Name").asString("");
        if ("Seq Scan".equals(node.path("Node Type").asString("")) && watched.contains(relation)) {
            String filter = node.path("Filter").asString("");
            seqScans.add("Seq Scan on " + relation + (filter.isEmpty() ? "" : " (Filter: " + filter + ")"));
        }
        for (JsonNode child : node.path("Plans")) {
            collect(child, seqScans);
        }
    }
}
