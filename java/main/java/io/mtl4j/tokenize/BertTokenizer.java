package io.mtl4j.tokenize;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.util.PairList;
import io.mtl4j.util.Hashing;
import io.mtl4j.util.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * WordPiece tokenization through DJL's binding of Hugging Face {@code tokenizers}, driven by a
 * model's {@code tokenizer.json}, or by the one transformers would build from its {@code vocab.txt}.
 *
 * <p>Truncation is longest-first to {@code maxLength}, as in Hugging Face's
 * {@code truncation=True}. The length, strategy and stride of a truncation stored in
 * {@code tokenizer.json}, and any stored padding, are overridden (its direction is kept, as
 * Python's fast tokenizer keeps it): tokenization never pads, the batch collator does.
 */
public final class BertTokenizer implements AutoCloseable {
    public static final String FILE_NAME = "tokenizer.json";
    private static final org.apache.logging.log4j.Logger LOG =
            org.apache.logging.log4j.LogManager.getLogger(BertTokenizer.class);

    static {
        // DJL reports usage from EC2 (instance id, region) once a day unless told not to; mtl4j
        // promises no network beyond the hub, and none at all offline. A user's own setting stands.
        if (System.getenv("OPT_OUT_TRACKING") == null && System.getProperty("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
    }

    private final HuggingFaceTokenizer tokenizer;
    private final int maxLength;
    private final String fingerprint;

    private BertTokenizer(HuggingFaceTokenizer tokenizer, int maxLength, String fingerprint) {
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
        this.fingerprint = fingerprint;
    }

    /**
     * Loads {@code modelDir/tokenizer.json} or, for a model that ships only the slow tokenizer's
     * files, the tokenizer.json built from its vocab.txt ({@link VocabTxtConverter}).
     */
    public static BertTokenizer load(Path modelDir, int maxLength) {
        Path file = modelDir.resolve(FILE_NAME);
        byte[] json = tokenizerJson(modelDir);
        // Below a pair's 3 special tokens the library does not truncate pairs at all (its limit underflows).
        if (maxLength < 3) {
            throw new UserError("--max-length must be at least 3 (room for a sentence pair's [CLS] and two [SEP]), got "
                    + maxLength);
        }
        boolean fromVocab = !Files.isRegularFile(file);
        if (fromVocab) {
            LOG.info("{} has no {}: built its tokenizer from {} as transformers' BertConverter does", modelDir,
                    FILE_NAME, VocabTxtConverter.VOCAB_FILE);
        }
        TokenizerJsonCheck.check(fromVocab ? modelDir.resolve(VocabTxtConverter.VOCAB_FILE) : file, json);
        Path generatedDir = null;
        try {
            Path source = file;
            if (fromVocab) {
                // DJL loads tokenizers from files only; a directory of its own keeps it from reading anything beside it.
                generatedDir = Files.createTempDirectory("mtl4j-tokenizer");
                source = Files.write(generatedDir.resolve(FILE_NAME), json);
            }
            HuggingFaceTokenizer.Builder builder = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(source)
                    .optAddSpecialTokens(true)
                    .optTruncation(true)
                    .optMaxLength(maxLength)
                    .optPadding(false)
                    .optWithOverflowingTokens(false)
                    // Unless told, DJL keeps a stride stored in tokenizer.json (QA fine-tunes save theirs, e.g.
                    // 128); at or above the room left for text the library panics and aborts the JVM. Python
                    // calls with stride 0 too. (The stored direction is kept, as Python keeps it.)
                    .optStride(0);
            // DJL caps maxLength at its own model max length, 512 unless told: a longer --max-length
            // (for a model with more positions) would be truncated at 512 while mtl4j counted on more.
            builder.configure(java.util.Map.of("modelMaxLength", maxLength));
            HuggingFaceTokenizer tokenizer = builder.build();
            String fingerprint = Hashing.sha256Hex(json) + ":max" + maxLength;
            if (!fromVocab) {
                warnWherePythonTokenizesDifferently(modelDir);
            }
            return new BertTokenizer(tokenizer, maxLength, fingerprint);
        } catch (IOException | RuntimeException e) {
            if (e instanceof UserError userError) {
                throw userError;
            }
            throw new UserError((fromVocab ? modelDir.resolve(VocabTxtConverter.VOCAB_FILE) : file)
                    + ": cannot load tokenizer: " + e.getMessage(), e);
        } finally {
            deleteQuietly(generatedDir);
        }
    }

    /**
     * The bytes of {@code modelDir/tokenizer.json} or, without one, of the tokenizer.json built
     * from its vocab.txt: what a checkpoint or an export of a model from {@code modelDir} carries.
     */
    public static byte[] tokenizerJson(Path modelDir) {
        Path file = modelDir.resolve(FILE_NAME);
        if (Files.isRegularFile(file)) {
            try {
                return Files.readAllBytes(file);
            } catch (IOException e) {
                throw new UserError(file + ": cannot read: " + e.getMessage(), e);
            }
        }
        if (VocabTxtConverter.canConvert(modelDir)) {
            return VocabTxtConverter.toTokenizerJson(modelDir);
        }
        throw new UserError(file + ": tokenizer not found (mtl4j needs the model's tokenizer.json, or a vocab.txt "
                + "for a BERT WordPiece tokenizer)");
    }

    /** True when {@code modelDir} has a tokenizer.json or a vocab.txt to build one from. */
    public static boolean hasTokenizer(Path modelDir) {
        return Files.isRegularFile(modelDir.resolve(FILE_NAME)) || VocabTxtConverter.canConvert(modelDir);
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try {
            Files.deleteIfExists(dir.resolve(FILE_NAME));
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            LOG.debug("cannot delete {}: {}", dir, e.getMessage());
        }
    }

    private static void warnWherePythonTokenizesDifferently(Path modelDir) {
        Path tokenizerConfig = modelDir.resolve(HfTokenizerConfig.FILE_NAME);
        if (Files.isRegularFile(tokenizerConfig)) {
            List<String> conflicts;
            try {
                conflicts = HfTokenizerConfig.conflicts(modelDir.resolve(FILE_NAME), tokenizerConfig);
            } catch (UserError e) {
                LOG.warn("{}; mtl4j does not use it", e.getMessage());
                return;
            }
            if (!conflicts.isEmpty()) {
                LOG.warn("{}: Python's AutoTokenizer takes {} from here; mtl4j tokenizes as tokenizer.json does "
                        + "(and an export writes a tokenizer_config.json that matches it)",
                        tokenizerConfig, String.join(", ", conflicts));
            }
        }
    }

    public int maxLength() {
        return maxLength;
    }

    /** sha256 of tokenizer.json (or the one built from vocab.txt) plus the max length: the key of any cache of encodings. */
    public String fingerprint() {
        return fingerprint;
    }

    public Encoding encode(String textA, String textB) {
        Objects.requireNonNull(textA, "textA");
        ai.djl.huggingface.tokenizers.Encoding e = textB == null
                ? tokenizer.encode(textA)
                : tokenizer.encode(textA, textB);
        return convert(e);
    }

    /** Encodes many examples at once; the native tokenizer parallelises the batch. */
    public List<Encoding> encodeBatch(List<String> textsA, List<String> textsB) {
        ai.djl.huggingface.tokenizers.Encoding[] encoded;
        if (textsB == null) {
            encoded = tokenizer.batchEncode(textsA);
        } else {
            if (textsA.size() != textsB.size()) {
                throw new IllegalArgumentException("text lists differ in size");
            }
            if (textsB.stream().anyMatch(Objects::isNull)) {
                List<Encoding> out = new ArrayList<>(textsA.size());
                for (int i = 0; i < textsA.size(); i++) {
                    out.add(encode(textsA.get(i), textsB.get(i)));
                }
                return out;
            }
            encoded = tokenizer.batchEncode(new PairList<>(textsA, textsB));
        }
        List<Encoding> out = new ArrayList<>(encoded.length);
        for (ai.djl.huggingface.tokenizers.Encoding e : encoded) {
            out.add(convert(e));
        }
        return out;
    }

    private static Encoding convert(ai.djl.huggingface.tokenizers.Encoding e) {
        long[] ids = e.getIds();
        long[] types = e.getTypeIds();
        int[] inputIds = new int[ids.length];
        int[] typeIds = new int[types.length];
        for (int i = 0; i < ids.length; i++) {
            inputIds[i] = Math.toIntExact(ids[i]);
            typeIds[i] = Math.toIntExact(types[i]);
        }
        return new Encoding(inputIds, typeIds);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
