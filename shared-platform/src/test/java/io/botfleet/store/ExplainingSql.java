package io.botfleet.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The SQL port that asks PostgreSQL for each statement's plan before running it: {@code EXPLAIN}
 * of the same text with the same parameters, through the adapter under test (so the plan is the
 * one for what that adapter sends, the Data API's casts included). Each plan is kept with the step
 * of the scenario that ran the statement and the tables it reads whole (a Seq Scan).
 */
final class ExplainingSql implements Sql {

    /** One statement as planned: the step that ran it, its text, and each Seq Scan of a watched table. */
    record Planned(String step, String statement, List<String> seqScans) {
    }

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
        planned.add(new Planned(step, statement, List.copyOf(seqScans)));
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
