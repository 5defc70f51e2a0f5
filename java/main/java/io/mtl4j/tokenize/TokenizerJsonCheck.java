package io.mtl4j.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtl4j.util.UserError;
import org.apache.logging.log4j.LogManager;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Checks of a tokenizer.json that the native library skips at load and then fails on mid-run by
 * panicking, which aborts the JVM with a Rust backtrace: each is refused at load, naming the file.
 * A tokenizer that adds no special tokens at all is legal but unusual for BERT, and is warned about.
 * A file that is not valid JSON is left to the library, whose own message names the position.
 */
final class TokenizerJsonCheck {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerJsonCheck() {
    }

    /** @param source the file to name: tokenizer.json, or the vocab.txt it was built from */
    static void check(Path source, byte[] json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            return;
        }
        if (root == null || !root.isObject()) {
            return;
        }
        checkUnknownWordToken(source, root.path("model"));
        checkTemplate(source, root.path("post_processor"));
        if (root.path("post_processor").isMissingNode() || root.path("post_processor").isNull()) {
            LogManager.getLogger(TokenizerJsonCheck.class).warn("{}: no post_processor, so no [CLS] or [SEP] is added (as in"
                    + " Python); a BERT's heads read the first token, here a word of the input", source);
        }
    }

    /** The first word outside the vocabulary becomes unk_token, which must therefore be in it. */
    private static void checkUnknownWordToken(Path source, JsonNode model) {
        String type = model.path("type").asText("");
        JsonNode vocab = model.path("vocab");
        if (type.equals("Unigram")) {
            if (model.path("unk_id").isNull() && !model.path("byte_fallback").asBoolean(false)) {
                throw new UserError(source + ": model.unk_id is null, so the first word outside the vocabulary would stop"
                        + " the tokenizer; set unk_id to the id of an unknown-word token");
            }
            return;
        }
        if (!vocab.isObject()) {
            return;
        }
        // WordPiece defaults to [UNK] when unk_token is absent; BPE and WordLevel need none unless they name one.
        JsonNode unk = model.get("unk_token");
        String name = unk != null && unk.isTextual() ? unk.asText()
                : unk == null && (type.equals("WordPiece") || type.isEmpty()) ? "[UNK]" : null;
        if (name != null && !vocab.has(name)) {
            throw new UserError(source + ": unk_token \"" + name + "\" is not in the vocabulary, so the first word"
                    + " outside it would stop the tokenizer; add \"" + name + "\" to the vocabulary or name a token in it");
        }
    }

    /** A template's special token must be one of its special_tokens, or every encoding fails. */
    private static void checkTemplate(Path source, JsonNode processor) {
        if (!processor.path("type").asText("").equals("TemplateProcessing")) {
            return;
        }
        JsonNode defined = processor.path("special_tokens");
        for (String template : new String[]{"single", "pair"}) {
            for (JsonNode piece : processor.path(template)) {
                JsonNode id = piece.path("SpecialToken").path("id");
                if (id.isTextual() && !defined.has(id.asText())) {
                    throw new UserError(source + ": post_processor." + template + " names special token \"" + id.asText()
                            + "\", which post_processor.special_tokens does not define");
                }
            }
        }
    }
}
