package io.mtl4j.dist;

import io.mtl4j.util.UserError;

/** A collective or the rendezvous failed: a peer died, stalled past the timeout, or never came. */
public final class DistributedFailure extends UserError {
    public DistributedFailure(String message) {
        super(message);
    }
}
