package io.mtl4j.model;

import io.mtl4j.runtime.Tensors;
import io.mtl4j.tokenize.Encoding;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;

import java.util.List;

/** Token ids, segment ids and attention mask of a batch, padded to its longest example. */
public record InputBatch(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask) {

    /** Wraps an assembled data batch in tensors on {@code device}. */
    public static InputBatch of(io.mtl4j.data.Batch batch, Device device) {
        long b = batch.batchSize();
        long l = batch.seqLen();
        return new InputBatch(move(Tensors.longTensor(batch.inputIds(), b, l), device),
                move(Tensors.longTensor(batch.tokenTypeIds(), b, l), device),
                move(Tensors.longTensor(batch.attentionMask(), b, l), device));
    }

    private static Tensor move(Tensor t, Device device) {
        return device == null || device.is_cpu() ? t : t.to(device, org.bytedeco.pytorch.global.torch.ScalarType.Long);
    }

    /** Pads {@code encodings} with {@code padId} to the longest one and moves the tensors to {@code device}. */
    public static InputBatch of(List<Encoding> encodings, int padId, Device device) {
        int batch = encodings.size();
        int length = 0;
        for (Encoding e : encodings) {
            length = Math.max(length, e.length());
        }
        long[] ids = new long[batch * length];
        long[] types = new long[batch * length];
        long[] mask = new long[batch * length];
        java.util.Arrays.fill(ids, padId);
        for (int b = 0; b < batch; b++) {
            Encoding e = encodings.get(b);
            int offset = b * length;
            for (int i = 0; i < e.length(); i++) {
                ids[offset + i] = e.inputIds()[i];
                types[offset + i] = e.tokenTypeIds()[i];
                mask[offset + i] = 1;
            }
        }
        Tensor idsT = Tensors.longTensor(ids, batch, length);
        Tensor typesT = Tensors.longTensor(types, batch, length);
        Tensor maskT = Tensors.longTensor(mask, batch, length);
        if (device != null && !device.is_cpu()) {
            idsT = idsT.to(device, org.bytedeco.pytorch.global.torch.ScalarType.Long);
            typesT = typesT.to(device, org.bytedeco.pytorch.global.torch.ScalarType.Long);
            maskT = maskT.to(device, org.bytedeco.pytorch.global.torch.ScalarType.Long);
        }
        return new InputBatch(idsT, typesT, maskT);
    }
}
