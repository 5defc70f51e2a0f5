package io.mtl4j.model.torchbin;

import io.mtl4j.util.UserError;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads one pickle the way {@code torch.load(weights_only=True)} does: only the opcodes and the
 * globals a state dict uses. A global outside {@link TorchGlobals} is refused when it is named, so
 * nothing from the file is ever looked up or run.
 *
 * <p>Values become Java objects: {@code None} null, bool Boolean, int Long (BigInteger when it does
 * not fit), float Double, str String, tuple {@link Tuple}, list ArrayList, dict LinkedHashMap,
 * a persistent id whatever {@code persistentLoad} returns, a tensor a {@link TensorRef}.
 */
final class RestrictedUnpickler {
    /** A Python tuple: a list that says it was a tuple. */
    record Tuple(List<Object> items) {
    }

    private final InputStream in;
    private final String file;
    private final Function<Tuple, Object> persistentLoad;
    /** The objects since the last MARK; a MARK sets the stack aside, so nothing can pop across it. */
    private List<Object> stack = new ArrayList<>();
    private final List<List<Object>> metastack = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    RestrictedUnpickler(InputStream in, String file, Function<Tuple, Object> persistentLoad) {
        this.in = in;
        this.file = file;
        this.persistentLoad = persistentLoad;
    }

    Object load() throws IOException {
        while (true) {
            int op = in.read();
            if (op < 0) {
                throw new EOFException("pickle ended before STOP");
            }
            switch (op) {
                case 0x80 -> readByte(); // PROTO
                case 0x95 -> readLong(8); // FRAME: only a read-ahead hint
                case '.' -> { // STOP
                    return pop();
                }
                case '(' -> { // MARK
                    metastack.add(stack);
                    stack = new ArrayList<>();
                }
                case 'c' -> push(TorchGlobals.resolve(file, readLine(), readLine())); // GLOBAL
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw malformed("STACK_GLOBAL needs two strings");
                    }
                    push(TorchGlobals.resolve(file, m, n));
                }
                case 'q' -> memo.put((long) readByte(), peek()); // BINPUT
                case 'r' -> memo.put(readLong(4), peek()); // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
                case 'h' -> push(memoGet(readByte())); // BINGET
                case 'j' -> push(memoGet(readLong(4))); // LONG_BINGET
                case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
                case 'd' -> { // DICT
                    List<Object> items = popMark();
                    Map<Object, Object> dict = new LinkedHashMap<>();
                    for (int i = 0; i + 1 < items.size(); i += 2) {
                        dict.put(key(items.get(i)), items.get(i + 1));
                    }
                    push(dict);
                }
                case ')' -> push(new Tuple(List.of())); // EMPTY_TUPLE
                case 't' -> push(new Tuple(popMark())); // TUPLE
                case 0x85 -> push(tupleOf(1)); // TUPLE1
                case 0x86 -> push(tupleOf(2)); // TUPLE2
                case 0x87 -> push(tupleOf(3)); // TUPLE3
                case ']' -> push(new ArrayList<>()); // EMPTY_LIST
                case 'a' -> { // APPEND
                    Object item = pop();
                    listOnTop("APPEND").add(item);
                }
                case 'e' -> { // APPENDS
                    List<Object> items = popMark();
                    listOnTop("APPENDS").addAll(items);
                }
                case 's' -> { // SETITEM
                    Object value = pop();
                    Object key = pop();
                    dictOnTop("SETITEM").put(key(key), value);
                }
                case 'u' -> { // SETITEMS
                    List<Object> items = popMark();
                    Map<Object, Object> dict = dictOnTop("SETITEMS");
                    for (int i = 0; i + 1 < items.size(); i += 2) {
                        dict.put(key(items.get(i)), items.get(i + 1));
                    }
                }
                case 'J' -> push((long) (int) readLong(4)); // BININT, signed
                case 'K' -> push((long) readByte()); // BININT1
                case 'M' -> push(readLong(2)); // BININT2
                case 0x8a -> push(readLong1()); // LONG1
                case 'X' -> push(readString(readLong(4))); // BINUNICODE
                case 0x8c -> push(readString(readByte())); // SHORT_BINUNICODE
                case 0x8d -> push(readString(readLong(8))); // BINUNICODE8
                case 'G' -> push(Double.longBitsToDouble(readBigEndianLong())); // BINFLOAT
                case 'N' -> push(null); // NONE
                case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                case 'Q' -> { // BINPERSID
                    Object pid = pop();
                    if (!(pid instanceof Tuple t)) {
                        throw malformed("persistent id is not a tuple");
                    }
                    push(persistentLoad.apply(t));
                }
                case 'R' -> { // REDUCE
                    Object args = pop();
                    Object callable = pop();
                    if (!(callable instanceof TorchGlobals.Callable c) || !(args instanceof Tuple t)) {
                        throw malformed("REDUCE of something that is not an allowed callable");
                    }
                    push(c.call(file, t.items()));
                }
                case 'b' -> { // BUILD: state of an OrderedDict (its _metadata) is not needed
                    pop();
                    if (!(peek() instanceof Map)) {
                        throw malformed("BUILD on something that is not a dict");
                    }
                }
                default -> throw new UserError(file + ": refused: pickle opcode 0x" + Integer.toHexString(op)
                        + "; mtl4j reads plain state dicts only");
            }
        }
    }

    /**
     * A dict key must be a scalar, as in a state dict: a list or tuple key could contain itself (the
     * memo allows cycles) and hashing it would never end.
     */
    private Object key(Object key) {
        if (key == null || key instanceof String || key instanceof Long || key instanceof BigInteger
                || key instanceof Double || key instanceof Boolean) {
            return key;
        }
        throw malformed("a dict key is a " + key.getClass().getSimpleName());
    }

    private UserError malformed(String what) {
        return new UserError(file + ": not a torch state dict: " + what);
    }

    private Tuple tupleOf(int n) {
        List<Object> items = new ArrayList<>(stack.subList(stack.size() - checkDepth(n), stack.size()));
        stack.subList(stack.size() - n, stack.size()).clear();
        return new Tuple(items);
    }

    private int checkDepth(int n) {
        if (stack.size() < n) {
            throw malformed("stack underflow");
        }
        return n;
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() {
        checkDepth(1);
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        checkDepth(1);
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() {
        if (metastack.isEmpty()) {
            throw malformed("no MARK");
        }
        List<Object> items = stack;
        stack = metastack.remove(metastack.size() - 1);
        return items;
    }

    @SuppressWarnings("unchecked")
    private List<Object> listOnTop(String op) {
        if (!(peek() instanceof List<?> list)) {
            throw malformed(op + " on something that is not a list");
        }
        return (List<Object>) list;
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dictOnTop(String op) {
        if (!(peek() instanceof Map<?, ?> map)) {
            throw malformed(op + " on something that is not a dict");
        }
        return (Map<Object, Object>) map;
    }

    private Object memoGet(long key) {
        if (!memo.containsKey(key)) {
            throw malformed("memo key " + key + " was never stored");
        }
        return memo.get(key);
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("pickle truncated");
        }
        return b;
    }

    private byte[] readBytes(long n) throws IOException {
        if (n < 0 || n > Integer.MAX_VALUE - 8) {
            throw malformed("length " + n + " out of range");
        }
        byte[] bytes = in.readNBytes((int) n);
        if (bytes.length != n) {
            throw new EOFException("pickle truncated");
        }
        return bytes;
    }

    /** An unsigned little-endian integer of {@code n} bytes (n ≤ 8). */
    private long readLong(int n) throws IOException {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v |= (long) readByte() << (8 * i);
        }
        return v;
    }

    private long readBigEndianLong() throws IOException {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | readByte();
        }
        return v;
    }

    /** LONG1: a little-endian two's-complement integer of a length byte's size. */
    private Object readLong1() throws IOException {
        byte[] le = readBytes(readByte());
        if (le.length == 0) {
            return 0L;
        }
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) {
            be[i] = le[le.length - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private String readString(long n) throws IOException {
        return new String(readBytes(n), StandardCharsets.UTF_8);
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = readByte()) != '\n') {
            if (line.length() > 256) {
                throw malformed("GLOBAL name too long");
            }
            line.append((char) b);
        }
        return line.toString();
    }
}
