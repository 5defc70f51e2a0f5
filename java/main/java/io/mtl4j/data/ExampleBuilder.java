package io.mtl4j.data;

import io.mtl4j.tasks.TaskSpec;

/**
 * Turns raw field values into an {@link Example}, validating them against the task: texts must
 * be present and non-blank; a classification label is a label name or an id in range; a
 * regression label a finite number. In an unlabeled split (test*) a missing label, -1, or an
 * empty label field is fine. In a labeled split -1 marks an unlabeled row only for classification:
 * a regression target may well be -1.
 */
final class ExampleBuilder {
    private final TaskSpec task;
    private final boolean labeledSplit;

    ExampleBuilder(TaskSpec task, String split) {
        this.task = task;
        this.labeledSplit = TaskSpec.isLabeledSplit(split);
    }

    /**
     * @param label null (absent), a {@link Number} or a {@link String}
     */
    Example build(String textA, String textB, Object label, long line) throws BadRow {
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
        // -1 marks the rows of GLUE's test splits; a regression target in a labeled split may be -1.
        return isMinusOne(label) && !(task.isRegression() && labeledSplit);
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
        int n = task.labelNames().size();
        if (label instanceof Number num) {
            double d = num.doubleValue();
            if (d == Math.rint(d) && d >= 0 && d < n) {
                return (int) d;
            }
            throw unknown(label);
        }
        String s = label.toString().trim();
        int byName = task.labelNames().indexOf(s);
        if (byName >= 0) {
            return byName;
        }
        try {
            int id = Integer.parseInt(s);
            if (id >= 0 && id < n) {
                return id;
            }
        } catch (NumberFormatException ignored) {
            // falls through to the error below
        }
        throw unknown(label);
    }

    private BadRow unknown(Object label) {
        StringBuilder known = new StringBuilder();
        for (int i = 0; i < task.labelNames().size(); i++) {
            known.append(i == 0 ? "" : ", ").append(i).append(' ').append(task.labelNames().get(i));
        }
        return new BadRow("unknown label '" + label + "' for task " + task.name() + " (labels: " + known + ")");
    }
}
