package io.mtl4j.dist;

import io.mtl4j.runtime.NativeRuntime;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.time.Duration;

/**
 * A worker for {@link CollectivesTest}, run as a separate JVM per rank with RANK, WORLD_SIZE,
 * MASTER_ADDR and MASTER_PORT set. {@code sum}: all-reduces a multi-bucket tensor and a few
 * doubles and prints the results. {@code die}: rank 1 halts after the rendezvous; rank 0's
 * all-reduce must fail with an error naming it.
 */
public final class CollectivesProbe {
    public static void main(String[] args) {
        NativeRuntime.ensureLoaded();
        String mode = args[0];
        Duration timeout = Duration.ofSeconds(Long.parseLong(args[1]));
        DistEnv env = DistEnv.fromEnvironment();
        try (Collectives c = ProcessGroupCollectives.join(env, "gloo", new Device(torch.DeviceType.CPU), timeout)) {
            if (mode.equals("die") && env.rank() == 1) {
                Runtime.getRuntime().halt(9);
            }
            long n = 2 * ProcessGroupCollectives.BUCKET_ELEMENTS + 3;
            Tensor t = torch.arange(new org.bytedeco.pytorch.Scalar(n)).to(torch.ScalarType.Float)
                    .add(new org.bytedeco.pytorch.Scalar(env.rank()));
            c.allReduceSum(t, "the probe tensor");
            double[] d = c.allReduceSum(new double[]{env.rank() + 1, 0.5}, "the probe numbers");
            boolean any = c.anyTrue(env.rank() == 1, "the probe flag");
            System.out.println("RESULT " + t.get(0).item_float() + " " + t.get(n - 1).item_float() + " " + d[0] + " " + d[1]
                    + " " + any);
        } catch (DistributedFailure e) {
            System.out.println("FAILURE " + e.getMessage());
            System.exit(3);
        }
    }
}
