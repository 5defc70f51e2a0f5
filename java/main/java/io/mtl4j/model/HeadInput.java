package io.mtl4j.model;

/**
 * What a task head reads: the pooler output (tanh(W·h_CLS + b)), as Hugging Face's
 * BertForSequenceClassification does; the raw last hidden state of [CLS]; or the mean of the
 * last hidden states over the real tokens, as sentence-transformers pools. Only the pooler
 * exports exactly: the other two are what a model may have been pretrained for (all-MiniLM's
 * pooler, for one, was never trained: its bias is all zeros).
 */
public enum HeadInput {
    POOLER, CLS, MEAN;

    public static HeadInput parse(String s) {
        return parse(s, "--head-input");
    }

    /** @param setting what the value came from, for the error: a flag, or a file and its field */
    public static HeadInput parse(String s, String setting) {
        return switch (s) {
            case "pooler" -> POOLER;
            case "cls" -> CLS;
            case "mean" -> MEAN;
            default -> throw new io.mtl4j.util.UserError(setting + " must be pooler, cls or mean, got " + s);
        };
    }

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
