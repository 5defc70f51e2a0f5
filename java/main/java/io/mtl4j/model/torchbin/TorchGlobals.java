package io.mtl4j.model.torchbin;

import io.mtl4j.model.safetensors.DType;
import io.mtl4j.util.UserError;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The only pickle globals a state dict needs, as {@code torch.load(weights_only=True)} allows:
 * OrderedDict, the tensor rebuild functions and the storage types. Every other global is refused
 * by name before anything about it is looked up.
 */
final class TorchGlobals {
    /** A global the unpickler may call with REDUCE. */
    interface Callable {
        Object call(String file, List<Object> args);
    }

    /** A storage class such as {@code torch.FloatStorage}: it only says which dtype a storage holds. */
    record StorageType(String name, DType dtype) {
    }

    private static final Map<String, DType> STORAGE_TYPES = Map.of(
            "FloatStorage", DType.F32, "HalfStorage", DType.F16, "BFloat16Storage", DType.BF16,
            "DoubleStorage", DType.F64, "LongStorage", DType.I64, "IntStorage", DType.I32,
            "ByteStorage", DType.U8, "BoolStorage", DType.BOOL);

    private TorchGlobals() {
    }

    static Object resolve(String file, String module, String name) {
        String global = module + "." + name;
        switch (global) {
            case "collections.OrderedDict":
                return (Callable) (f, args) -> new LinkedHashMap<>();
            case "torch._utils._rebuild_tensor_v2":
            case "torch._utils._rebuild_tensor":
                return (Callable) TensorRef::rebuild;
            default:
                DType dtype = module.equals("torch") ? STORAGE_TYPES.get(name) : null;
                if (dtype != null) {
                    return new StorageType(name, dtype);
                }
                throw new UserError(file + ": refused: pickle global " + printable(global)
                        + "; mtl4j reads plain state dicts only");
        }
    }

    private static String printable(String text) {
        return text.replaceAll("\\p{Cntrl}", "?");
    }
}
