package io.mtl4j.hub;

import io.mtl4j.util.Files2;
import io.mtl4j.util.UserError;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Turns the CLI's {@code --model} argument into a local model directory: an existing
 * directory is used as is; otherwise a hub repo id ({@code name} or {@code org/name}) is
 * downloaded with {@link HubClient#downloadModel} into the shared hub cache and its snapshot
 * directory returned.
 *
 * <p>For the CLI: call {@code ModelSource.resolve(model, revision, Env.system(), bar)} and
 * print any {@link UserError} as one line.
 */
public final class ModelSource {
    private ModelSource() {
    }

    public static Path resolve(String modelArg, String revision, Env env) {
        return resolve(modelArg, revision, env, DownloadProgress.none());
    }

    /**
     * @param revision a branch, tag or commit sha for a hub model; null means {@code main}.
     *                 Ignored for a local directory.
     */
    public static Path resolve(String modelArg, String revision, Env env, DownloadProgress progress) {
        return resolve(modelArg, revision, env, progress, false);
    }

    private static Path resolve(String modelArg, String revision, Env env, DownloadProgress progress, boolean classifier) {
        if (modelArg == null || modelArg.isBlank()) {
            throw new UserError("no model given: pass a model directory or a hub id such as google-bert/bert-base-uncased");
        }
        Path local = asPath(modelArg);
        if (local != null && Files.isDirectory(local)) {
            return local;
        }
        if (local != null && Files.exists(local)) {
            throw new UserError("model " + modelArg + " is a file; expected a model directory or a hub id");
        }
        if (!RepoId.isValid(modelArg)) {
            throw new UserError("model directory " + modelArg + " does not exist" + Files2.whereRelative(modelArg)
                    + " and is not a hub id (name or org/name)");
        }
        HubClient client = new HubClient(HubConfig.from(env), progress);
        try {
            return classifier ? client.downloadClassifier(modelArg, revision) : client.downloadModel(modelArg, revision);
        } catch (UserError e) {
            throw new UserError((classifier ? "checkpoint " : "model ") + modelArg + " is not a local directory, and as a hub id: "
                    + e.getMessage(), e);
        }
    }

    /**
     * For an argument that names a local directory first, as eval's and predict's {@code --checkpoint}: an
     * existing path is returned as is, and so is one that is not a hub id, for the caller's own error; a hub
     * id that is not a local path is downloaded as {@link #resolve} does, with its tokenizer_config.json
     * ({@link HubClient#downloadClassifier}).
     */
    public static Path resolveLocalFirst(String arg, String revision, Env env, DownloadProgress progress) {
        Path local = asPath(arg);
        if (local != null && (Files.exists(local) || !RepoId.isValid(arg))) {
            return local;
        }
        if (!RepoId.isValid(arg)) {
            throw new UserError(arg + " is neither a path nor a hub id (name or org/name)");
        }
        return resolve(arg, revision, env, progress, true);
    }

    private static Path asPath(String arg) {
        try {
            return Path.of(arg);
        } catch (InvalidPathException e) {
            return null;
        }
    }
}
