package io.mtl4j.data;

import io.mtl4j.tasks.TaskSpec;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Turns raw field values into an {@link Example}, validating them against the task: texts must
 * be present and non-blank; a regression label a finite number. In an unlabeled split (test*) a
 * missing label, -1, or an empty label field is fine. In a labeled split -1 marks an unlabeled row
 * only when it is no label: a regression target may well be -1, and so may a label name.
 *
 * <p>A classification label is read the same way whatever the file format: a value equal to a
 * label name, as text or as a number ({@code 3}, {@code 3.0} and {@code "3"} are the name "3"),
 * is that label; otherwise an integral number in range, as text or as a number, is a label id,
 * unless the label names {@link #acceptsLabelIds rule ids out}.
 */
final class ExampleBuilder {
    private static final Pattern DECIMAL = Pattern.compile("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?");

    private final TaskSpec task;
    private final boolean labeledSplit;
    /** Each label name's value if it is a number, else NaN; null if no name is a number. */
    private final double[] nameValues;
    private final boolean labelIds;
    /** The line each row index of an unlabeled split was first given on: an index given twice is a bad row. */
    private final java.util.Map<Long, Long> indexLines = new java.util.HashMap<>();

    ExampleBuilder(TaskSpec task, String split) {
        this.task = task;
        this.labeledSplit = TaskSpec.isLabeledSplit(split);
        this.nameValues = hasNumericLabelNames(task)
                ? task.labelNames().stream().mapToDouble(ExampleBuilder::decimal).toArray() : null;
        this.labelIds = acceptsLabelIds(task.labelNames());
    }

    /**
     * Whether a value that is no label name may be a label id: not when a label name is a number
     * other than its own id. With {@code labels: [1, 2, 3, 4, 5]}, 1 is the name "1" (id 0), so 0
     * must not be id 0, a second way to say "1".
     */
    static boolean acceptsLabelIds(List<String> labelNames) {
        for (int i = 0; i < labelNames.size(); i++) {
            double v = decimal(labelNames.get(i));
            if (!Double.isNaN(v) && v != i) {
                return false;
            }
        }
        return true;
    }

    /** Whether some label name is a number: only such tasks read numbers as names. */
    static boolean hasNumericLabelNames(TaskSpec task) {
        return task.labelNames().stream().anyMatch(name -> !Double.isNaN(decimal(name)));
    }

    /** The value of a plain decimal number ("3", "-1", "2.5", "1e3"), NaN for any other text. */
    private static double decimal(String s) {
        String t = s.trim();
        return DECIMAL.matcher(t).matches() ? Double.parseDouble(t) : Double.NaN;
    }

    /**
     * @param label null (absent), a {@link Number} or a {@link String}
     */
    Example build(String textA, String textB, Object label, long line) throws BadRow {
        return build(textA, textB, label, line, null);
    }

    /** Whether rows of this split carry their own index (test splits: GLUE submissions need it). */
    boolean readsIndex() {
        return !labeledSplit;
    }

    /**
     * Like {@link #build(String, String, Object, long)}, with the row's own index ({@code idx}/{@code index}
     * field: null if absent, a {@link Number} or a {@link String}); kept in unlabeled splits only, where a
     * value that is no non-negative integer is no index (the row's position stands in for it).
     */
    Example build(String textA, String textB, Object label, long line, Object index) throws BadRow {
        Example e = buildRow(textA, textB, label, line);
        long i = labeledSplit ? Example.NO_INDEX : index(index);
        if (i == Example.NO_INDEX) {
            return e;
        }
        Long first = indexLines.putIfAbsent(i, line);
        if (first != null) {
            // GLUE submissions are keyed by it: one index twice would leave another row's missing
            throw new BadRow("index " + i + " is also that of line " + first + " (a test row's idx/index must be unique:"
                    + " GLUE submissions are keyed by it)");
        }
        return new Example(e.textA(), e.textB(), e.label(), e.score(), line, i);
    }

    private static long index(Object index) {
        if (index instanceof Long || index instanceof Integer) {
            long v = ((Number) index).longValue();
            return v >= 0 ? v : Example.NO_INDEX;
        }
        if (index instanceof String s) {
            try {
                long v = Long.parseLong(s.trim());
                return v >= 0 ? v : Example.NO_INDEX;
            } catch (NumberFormatException e) {
                return Example.NO_INDEX;
            }
        }
        return Example.NO_INDEX;
    }

    private Example buildRow(String textA, String textB, Object label, long line) throws BadRow {
        checkText(textA, task.textFields().get(0));
        if (task.isPair()) {
            checkText(textB, task.textFields().get(1));
        } else {
            textB = null;
        }
        if (isUnlabeled(label)) {
            if (labeledSplit) {
                throw new BadRow(label == null ? "missing label" : "unlabeled row (label " + label
                        + ") in a labeled split");
            }
            return new Example(textA, textB, Example.UNLABELED, Float.NaN, line);
        }
        if (task.isRegression()) {
            return new Example(textA, textB, Example.UNLABELED, parseScore(label), line);
        }
        return new Example(textA, textB, parseLabel(label), Float.NaN, line);
    }

    private boolean isUnlabeled(Object label) {
        if (label == null || isBlank(label)) {
            return true;
        }
        // -1 marks the rows of GLUE's test splits; in a labeled split a regression target may be -1,
        // and so may a declared label name (labels: [-1, 0, 1]).
        return isMinusOne(label) && !(labeledSplit && (task.isRegression() || nameIndex(label) >= 0));
    }

    private static boolean isBlank(Object label) {
        return !(label instanceof Number) && label.toString().isBlank();
    }

    private static boolean isMinusOne(Object label) {
        if (label instanceof Number n) {
            return n.doubleValue() == -1;
        }
        try {
            return Double.parseDouble(label.toString().trim()) == -1;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static void checkText(String text, String field) throws BadRow {
        if (text == null) {
            throw new BadRow("missing text field '" + field + "'");
        }
        if (text.isBlank()) {
            throw new BadRow("empty text in field '" + field + "'");
        }
    }

    private float parseScore(Object label) throws BadRow {
        double v;
        if (label instanceof Number n) {
            v = n.doubleValue();
        } else {
            try {
                v = Double.parseDouble(label.toString().trim());
            } catch (NumberFormatException e) {
                throw new BadRow("regression label '" + label + "' is not a number");
            }
        }
        if (!Double.isFinite(v)) {
            throw new BadRow("regression label '" + label + "' is not finite");
        }
        if (!Float.isFinite((float) v)) {
            throw new BadRow("regression label '" + label + "' is out of range (scores are 32-bit floats)");
        }
        return (float) v;
    }

    private int parseLabel(Object label) throws BadRow {
        int byName = nameIndex(label);
        if (byName >= 0) {
            return byName;
        }
        int id = labelIds ? labelId(label) : -1;
        if (id >= 0) {
            return id;
        }
        throw unknown(label);
    }

    /** The id of the label name {@code label} is, as text or as a number; -1 if none. */
    private int nameIndex(Object label) {
        if (nameValues == null && label instanceof Number) {
            return -1; // no label name is a number (the usual case, GLUE's): skip the text lookup per row
        }
        int byText = task.labelNames().indexOf(label.toString().trim());
        if (byText >= 0 || nameValues == null) {
            return byText;
        }
        double v = label instanceof Number n ? n.doubleValue() : decimal(label.toString());
        for (int i = 0; i < nameValues.length; i++) {
            if (nameValues[i] == v) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The label id {@code label} is, or -1: an integral number, whether a JSON or Parquet number or
     * a text ({@code 1}, {@code 1.0} and {@code "1.0"} are all id 1, as pandas writes ids with a gap).
     */
    private int labelId(Object label) {
        double d = label instanceof Number num ? num.doubleValue() : decimal(label.toString());
        return d == Math.rint(d) && d >= 0 && d < task.labelNames().size() ? (int) d : -1;
    }

    private BadRow unknown(Object label) {
        String known;
        if (labelIds) {
            StringBuilder ids = new StringBuilder();
            for (int i = 0; i < task.labelNames().size(); i++) {
                ids.append(i == 0 ? "" : ", ").append(i).append(' ').append(task.labelNames().get(i));
            }
            known = "labels: " + ids;
        } else {
            known = "labels: " + String.join(", ", task.labelNames())
                    + "; the label names are numbers, so a number is a name, never an id";
        }
        return new BadRow("unknown label '" + label + "' for task " + task.name() + " (" + known + ")");
    }
}
