package io.mtl4j.data;

/** A row-level problem; readers turn it into {@link RowErrors#reject}. No stack trace: cheap. */
final class BadRow extends Exception {
    private static final long serialVersionUID = 1L;

    BadRow(String reason) {
        super(reason, null, false, false);
    }
}
