package io.mtl4j.model;

import io.mtl4j.util.UserError;

import java.util.function.Supplier;

/**
 * Token ids must be below config.json's {@code vocab_size}: the word embeddings have a row for each.
 * A tokenizer that gained tokens (transformers' {@code add_tokens}) without the model's embeddings being
 * resized gives larger ids, which LibTorch would refuse mid-forward with a bare "index out of range".
 */
public final class TokenIds {
    private TokenIds() {
    }

    /** Throws a one-line error naming {@code where} if an id in {@code ids} has no embedding. */
    public static void requireEmbeddable(int[] ids, int vocabSize, Supplier<String> where) {
        for (int id : ids) {
            if (id >= vocabSize || id < 0) {
                throw new UserError(where.get() + ": token id " + id + " has no embedding: config.json's vocab_size is "
                        + vocabSize + ", so the tokenizer holds tokens the model's embeddings were not resized for"
                        + " (in Python, model.resize_token_embeddings(len(tokenizer)) and save the model again)");
            }
        }
    }
}
