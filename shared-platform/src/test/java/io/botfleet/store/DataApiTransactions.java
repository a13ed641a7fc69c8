package io.botfleet.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * The fake Data API's open transactions: one connection each, busy while a statement runs (a
 * statement that outlived its call's time limit keeps it busy). Like the service, a call on a busy
 * transaction is refused at once, and an ended transaction is not found.
 */
final class DataApiTransactions {

    /** One open transaction; {@link #release} frees it for the next call, from whichever thread ran the statement. */
    static final class Transaction {
        final Connection connection;
        private final Semaphore busy = new Semaphore(1);
        private volatile boolean ended;

        private Transaction(Connection connection) {
            this.connection = connection;
        }

        void release() {
            busy.release();
        }

        private void end(boolean commit) throws SQLException {
            if (!ended) {
                ended = true;
                try (connection) {
                    if (commit) {
                        connection.commit();
                    } else {
                        connection.rollback();
                    }
                }
            }
        }
    }

    private final Map<String, Transaction> open = new ConcurrentHashMap<>();

    String begin(Connection connection) {
        String id = UUID.randomUUID().toString();
        open.put(id, new Transaction(connection));
        return id;
    }

    /** Takes a live transaction for one call; the caller releases it when its statement ends. */
    Transaction claim(String id) {
        Transaction tx = open.get(id);
        if (tx == null) {
            throw notFound(id);
        }
        if (!tx.busy.tryAcquire()) {
            throw new DataApiError("DatabaseErrorException", "Transaction is still running a query");
        }
        if (tx.ended) {
            tx.release();
            throw notFound(id);
        }
        return tx;
    }

    /** Commits or rolls back, and forgets the transaction. */
    void end(String id, boolean commit) {
        Transaction tx = claim(id);
        try {
            open.remove(id);
            tx.end(commit);
        } catch (SQLException e) {
            throw DataApiError.database(e);
        } finally {
            tx.release();
        }
    }

    /** The service ends a transaction whose statement failed; its id is then not found. */
    void abort(String id, Transaction tx) {
        open.remove(id);
        endQuietly(tx);
    }

    void closeAll() {
        open.values().forEach(DataApiTransactions::endQuietly);
        open.clear();
    }

    private static void endQuietly(Transaction tx) {
        try {
            tx.end(false);
        } catch (SQLException ignored) {
            // the connection is closed either way; the pool discards a broken one
        }
    }

    private static DataApiError notFound(String id) {
        return new DataApiError("TransactionNotFoundException", "Transaction " + id + " is not found");
    }
}
