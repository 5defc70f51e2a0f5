package io.mtl4j.model;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trainable parameters packed into one contiguous fp32 buffer, with their gradients in a second
 * one. Each parameter is a leaf tensor aliasing its slice of {@link #values()}, and its
 * {@code .grad} is set to the matching slice of {@link #grads()}, so a backward pass accumulates
 * straight into one flat gradient vector: capturing a task's gradient is one copy, and the
 * optimizer and PCGrad work on a handful of large tensors instead of hundreds of small ones.
 *
 * <p>Autograd keeps accumulating into a defined {@code .grad} in place. Never set a gradient to
 * undefined (None) or let anything assign a fresh one: that would silently detach it from the
 * buffer. Zero with {@link #zeroGrad()}; {@link #checkAliasing()} asserts the invariant.
 */
public final class ParameterBuffer {
    /** One parameter's place in the buffer. */
    public record Slot(String name, long offset, long numel, long[] shape, Tensor tensor) {
    }

    private final Tensor values;
    private final Tensor grads;
    private final List<Slot> slots;
    private final Map<String, Slot> byName;

    private ParameterBuffer(Tensor values, Tensor grads, List<Slot> slots) {
        this.values = values;
        this.grads = grads;
        this.slots = Collections.unmodifiableList(slots);
        Map<String, Slot> map = new LinkedHashMap<>();
        slots.forEach(s -> map.put(s.name(), s));
        this.byName = Collections.unmodifiableMap(map);
    }

    /** Copies {@code params} (in order) into a new buffer on {@code device}. */
    public static ParameterBuffer pack(Map<String, Tensor> params, Device device) {
        long total = 0;
        for (Tensor t : params.values()) {
            total += t.numel();
        }
        TensorOptions options = new TensorOptions(torch.ScalarType.Float).device(new org.bytedeco.pytorch.DeviceOptional(device));
        Tensor values = torch.zeros(new long[]{total}, options);
        Tensor grads = torch.zeros(new long[]{total}, options);
        List<Slot> slots = new ArrayList<>();
        long offset = 0;
        try (NoGradGuard ignored = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                Tensor src = e.getValue();
                long[] shape = io.mtl4j.runtime.Tensors.shape(src);
                long n = src.numel();
                Tensor slice = values.narrow(0, offset, n);
                slice.copy_(src.detach().reshape(n).to(device, torch.ScalarType.Float));
                Tensor alias = slice.view(shape).detach();
                alias.set_requires_grad(true);
                alias.mutable_grad().put(grads.narrow(0, offset, n).view(shape));
                slots.add(new Slot(e.getKey(), offset, n, shape, alias));
                offset += n;
            }
        }
        return new ParameterBuffer(values, grads, slots);
    }

    public Tensor values() {
        return values;
    }

    public Tensor grads() {
        return grads;
    }

    public List<Slot> slots() {
        return slots;
    }

    public Slot slot(String name) {
        Slot s = byName.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no parameter " + name + " in this buffer");
        }
        return s;
    }

    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    public long numel() {
        return values.numel();
    }

    /** The parameters by name, as leaf tensors aliasing the buffer. */
    public Map<String, Tensor> tensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        slots.forEach(s -> out.put(s.name(), s.tensor()));
        return out;
    }

    public void zeroGrad() {
        grads.zero_();
    }

    /** Throws if any parameter's gradient no longer aliases the flat gradient buffer. */
    public void checkAliasing() {
        if (slots.isEmpty()) {
            return; // an empty buffer has no data pointer
        }
        long base = grads.data_ptr().address();
        for (Slot s : slots) {
            Tensor g = s.tensor().grad();
            if (!g.defined() || g.data_ptr().address() != base + s.offset() * Float.BYTES) {
                throw new IllegalStateException("gradient of " + s.name() + " was detached from the flat gradient buffer");
            }
        }
    }
}
