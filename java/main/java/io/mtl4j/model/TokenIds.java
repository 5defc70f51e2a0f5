package io.mtl4j.model;

import io.mtl4j.util.UserError;

import java.util.function.Supplier;

/**
 * Token ids must be below config.json's {@code vocab_size} (the word embeddings have a row for each), and
 * segment ids below its {@code type_vocab_size}.
 * A tokenizer that gained tokens (transformers' {@code add_tokens}) without the model's embeddings being
 * resized gives larger ids, which LibTorch would refuse mid-forward with a bare "index out of range".
 */
public final class TokenIds {
    private TokenIds() {
    }

    /**
     * Throws a one-line error naming {@code where} if a token id has no word embedding, or a segment id (1 for a
     * pair's second text) no token type embedding.
     */
    public static void requireEmbeddable(int[] ids, int[] typeIds, BertConfig config, Supplier<String> where) {
        for (int id : ids) {
            if (id >= config.vocabSize() || id < 0) {
                throw new UserError(where.get() + ": token id " + id + " has no embedding: config.json's vocab_size is "
                        + config.vocabSize() + ", so the tokenizer holds tokens the model's embeddings were not resized for"
                        + " (in Python, model.resize_token_embeddings(len(tokenizer)) and save the model again)");
            }
        }
        for (int type : typeIds) {
            if (type >= config.typeVocabSize() || type < 0) {
                throw new UserError(where.get() + ": segment id " + type + " has no token type embedding: config.json's"
                        + " type_vocab_size is " + config.typeVocabSize() + ", so this model cannot read sentence pairs");
            }
        }
    }
}
