package io.mtl4j.model;

import io.mtl4j.model.safetensors.DType;
import io.mtl4j.model.safetensors.SafeTensorsFile;
import io.mtl4j.model.safetensors.TensorInfo;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.nio.ByteBuffer;

/** Copies between safetensors bytes and LibTorch tensors (CPU, little-endian). */
public final class TensorBridge {
    private TensorBridge() {
    }

    public static torch.ScalarType scalarType(DType dtype) {
        return switch (dtype) {
            case F64 -> torch.ScalarType.Double;
            case F32 -> torch.ScalarType.Float;
            case F16 -> torch.ScalarType.Half;
            case BF16 -> torch.ScalarType.BFloat16;
            case I64 -> torch.ScalarType.Long;
            case I32 -> torch.ScalarType.Int;
            case I16 -> torch.ScalarType.Short;
            case I8 -> torch.ScalarType.Char;
            case U8 -> torch.ScalarType.Byte;
            case BOOL -> torch.ScalarType.Bool;
        };
    }

    public static DType dtype(torch.ScalarType type) {
        return switch (io.mtl4j.runtime.Tensors.canonical(type)) {
            case Double -> DType.F64;
            case Float -> DType.F32;
            case Half -> DType.F16;
            case BFloat16 -> DType.BF16;
            case Long -> DType.I64;
            case Int -> DType.I32;
            case Short -> DType.I16;
            case Char -> DType.I8;
            case Byte -> DType.U8;
            case Bool -> DType.BOOL;
            default -> throw new IllegalArgumentException("no safetensors dtype for " + type);
        };
    }

    /** Reads a tensor in its stored dtype into a new CPU tensor. */
    public static Tensor read(SafeTensorsFile file, TensorInfo info) {
        Tensor t = torch.empty(info.shape(), new org.bytedeco.pytorch.TensorOptions(scalarType(info.dtype())),
                new org.bytedeco.pytorch.MemoryFormatOptional());
        long remaining = info.byteLength();
        long offset = 0;
        BytePointer dst = new BytePointer(t.data_ptr());
        while (remaining > 0) {
            // Read straight into the tensor's memory, in pieces a ByteBuffer can address.
            int chunk = (int) Math.min(remaining, 1 << 30);
            ByteBuffer view = dst.position(offset).limit(offset + chunk).asByteBuffer();
            file.readInto(info, offset, view);
            offset += chunk;
            remaining -= chunk;
        }
        return t;
    }

    /** The raw bytes of a tensor, contiguous on the CPU. */
    public static ByteBuffer bytes(Tensor tensor) {
        Tensor cpu = tensor.detach().cpu().contiguous();
        long n = cpu.nbytes();
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(n));
        if (n > 0) {
            BytePointer src = new BytePointer(cpu.data_ptr()).capacity(n);
            src.get(out.array());
        }
        return out;
    }
}
