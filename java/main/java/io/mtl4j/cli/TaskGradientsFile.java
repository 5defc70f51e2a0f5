package io.mtl4j.cli;

import io.mtl4j.model.TensorBridge;
import io.mtl4j.model.safetensors.DType;
import io.mtl4j.model.safetensors.SafeTensorsFile;
import io.mtl4j.model.safetensors.TensorInfo;
import io.mtl4j.runtime.NativeRuntime;
import io.mtl4j.util.UserError;
import org.bytedeco.pytorch.Tensor;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The input of {@code mtl4j pcgrad apply}: a safetensors file holding exactly the tensors
 * g0..g{T-1}, T &gt;= 2, each 1-D float32 of the same length and finite. Every violation is a
 * {@link UserError} naming the file and the tensor.
 */
final class TaskGradientsFile {
    private TaskGradientsFile() {
    }

    /** The gradients in task order, as CPU float32 tensors. */
    static List<Tensor> read(Path path) {
        try (SafeTensorsFile file = SafeTensorsFile.open(path)) {
            Map<String, TensorInfo> tensors = file.tensors();
            int tasks = tensors.size();
            checkNames(path, tensors.keySet());
            long length = -1;
            List<TensorInfo> infos = new ArrayList<>(tasks);
            for (int k = 0; k < tasks; k++) {
                TensorInfo info = tensors.get("g" + k);
                checkShapeAndType(path, info);
                if (length >= 0 && info.numel() != length) {
                    throw new UserError(path + ": g" + k + " has " + info.numel() + " elements, g0 has " + length
                            + " (all task gradients must have the same length)");
                }
                length = info.numel();
                checkFinite(path, file, info, k);
                infos.add(info);
            }
            NativeRuntime.ensureLoaded();
            List<Tensor> grads = new ArrayList<>(tasks);
            for (TensorInfo info : infos) {
                grads.add(TensorBridge.read(file, info));
            }
            return grads;
        }
    }

    private static void checkNames(Path path, java.util.Set<String> names) {
        int tasks = names.size();
        if (tasks < 2) {
            throw new UserError(path + ": PCGrad needs at least 2 task gradients g0, g1, ...; the file holds "
                    + tasks + (tasks == 1 ? " tensor " + names : " tensors"));
        }
        List<String> missing = new ArrayList<>();
        for (int k = 0; k < tasks; k++) {
            if (!names.contains("g" + k)) {
                missing.add("g" + k);
            }
        }
        if (!missing.isEmpty()) {
            TreeSet<String> unexpected = new TreeSet<>(names);
            for (int k = 0; k < tasks; k++) {
                unexpected.remove("g" + k);
            }
            throw new UserError(path + ": tensors must be named exactly g0..g" + (tasks - 1) + " (one per task); missing "
                    + missing + ", unexpected " + unexpected);
        }
    }

    private static void checkShapeAndType(Path path, TensorInfo info) {
        if (info.shape().length != 1) {
            throw new UserError(path + ": " + info.name() + " has shape " + Arrays.toString(info.shape())
                    + ", expected a 1-D tensor (flatten the gradient first)");
        }
        if (info.dtype() != DType.F32) {
            throw new UserError(path + ": " + info.name() + " is " + info.dtype() + ", expected F32");
        }
        if (info.numel() == 0) {
            throw new UserError(path + ": " + info.name() + " is empty");
        }
    }

    private static void checkFinite(Path path, SafeTensorsFile file, TensorInfo info, int task) {
        FloatBuffer values = file.map(info).asFloatBuffer();
        for (int x = 0; x < values.limit(); x++) {
            float v = values.get(x);
            if (!Float.isFinite(v)) {
                throw new UserError(path + ": task " + task + " (" + info.name() + ") holds " + v + " at element " + x);
            }
        }
    }
}
