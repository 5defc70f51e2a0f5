package io.mtl4j.dist;

import org.bytedeco.pytorch.Tensor;

/**
 * The collective operations data-parallel training needs. {@link #single()} is the one-process
 * case, where every operation is the identity; {@link ProcessGroupCollectives} runs them on a
 * c10d process group (Gloo or NCCL).
 *
 * <p>{@code what} names the operation in errors ("gradients of task sst2 at step 12").
 */
public interface Collectives extends AutoCloseable {
    DistEnv env();

    default int rank() {
        return env().rank();
    }

    default int worldSize() {
        return env().worldSize();
    }

    default boolean isMain() {
        return env().isMain();
    }

    /** Sums a contiguous tensor across ranks, in place. */
    void allReduceSum(Tensor tensor, String what);

    /** Sums a few numbers across ranks. */
    double[] allReduceSum(double[] values, String what);

    /** True on every rank if {@code flag} is true on any. */
    default boolean anyTrue(boolean flag, String what) {
        return allReduceSum(new double[]{flag ? 1 : 0}, what)[0] > 0;
    }

    @Override
    void close();

    static Collectives single() {
        return new Collectives() {
            @Override
            public DistEnv env() {
                return DistEnv.SINGLE;
            }

            @Override
            public void allReduceSum(Tensor tensor, String what) {
            }

            @Override
            public double[] allReduceSum(double[] values, String what) {
                return values.clone();
            }

            @Override
            public void close() {
            }
        };
    }
}
