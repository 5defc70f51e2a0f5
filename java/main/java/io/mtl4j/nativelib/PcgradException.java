package io.mtl4j.nativelib;

/** A failure of the native PCGrad library that is not the caller's input: a CUDA error, an internal error. */
public class PcgradException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;

    public PcgradException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The C status code (PcgradNative.E_*). */
    public int status() {
        return status;
    }
}
