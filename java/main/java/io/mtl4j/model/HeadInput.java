package io.mtl4j.model;

/**
 * What a task head reads: the pooler output (tanh(W·h_CLS + b)), as Hugging Face's
 * BertForSequenceClassification does, or the raw last hidden state of [CLS].
 */
public enum HeadInput {
    POOLER, CLS;

    public static HeadInput parse(String s) {
        return switch (s) {
            case "pooler" -> POOLER;
            case "cls" -> CLS;
            default -> throw new io.mtl4j.util.UserError("--head-input must be pooler or cls, got " + s);
        };
    }

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
