package io.mtl4j.config;

import io.mtl4j.util.UserError;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed reads of merged config values, with errors that say where a value came from
 * ({@code origin}: "FILE:LINE: key", "--key" or "default key").
 */
record ConfigValues(Map<String, Object> v, Map<String, String> origin) {
    String required(String key) {
        String s = string(key);
        if (s == null || s.isBlank()) {
            throw new UserError("missing " + key + ": give --" + key + " or set it in the config file");
        }
        return s;
    }

    String string(String key) {
        Object o = v.get(key);
        if (o == null) {
            return null;
        }
        if (o instanceof String s) {
            return s;
        }
        if (o instanceof Number || o instanceof Boolean) {
            return o.toString();
        }
        throw bad(key, "a string", o);
    }

    String oneOf(String key, Set<String> allowed) {
        String s = string(key);
        if (s == null || !allowed.contains(s)) {
            String yaml = v.get(key) instanceof Boolean ? " (YAML reads an unquoted yes, no, on or off as " + s
                    + ": quote the value)" : "";
            throw new UserError(origin.get(key) + " is " + s + yaml + "; expected one of " + String.join(", ", new TreeSet<>(allowed)));
        }
        return s;
    }

    long longIn(String key, long min, long max) {
        BigInteger value = integer(key);
        if (value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(BigInteger.valueOf(max)) > 0) {
            String range = max == Long.MAX_VALUE && min != Long.MIN_VALUE ? "at least " + min : "in [" + min + ", " + max + "]";
            throw new UserError(origin.get(key) + " is " + value + "; must be " + range);
        }
        return value.longValueExact();
    }

    /** Exactly, so that a value past 64 bits is out of range instead of wrapped or clamped. */
    private BigInteger integer(String key) {
        Object o = v.get(key);
        try {
            if (o instanceof BigInteger b) {
                return b;
            }
            if (o instanceof Long || o instanceof Integer || o instanceof Short || o instanceof Byte) {
                return BigInteger.valueOf(((Number) o).longValue());
            }
            if (o instanceof Number n && Double.isFinite(n.doubleValue())) {
                return new BigDecimal(n.toString()).toBigIntegerExact();
            }
            if (o instanceof String s) {
                return new BigInteger(s.trim().replace("_", ""));
            }
        } catch (ArithmeticException | NumberFormatException e) {
            // not an integer
        }
        throw bad(key, "an integer", o);
    }

    double doubleIn(String key, double min, double max) {
        Object o = v.get(key);
        double value;
        if (o instanceof Number n) {
            value = n.doubleValue();
        } else if (o instanceof String s) {
            try {
                value = Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                throw bad(key, "a number", o);
            }
        } else {
            throw bad(key, "a number", o);
        }
        if (!(value >= min && value <= max)) {
            throw new UserError(origin.get(key) + " is " + value + "; must be in [" + min + ", " + max + "]");
        }
        return value;
    }

    boolean bool(String key) {
        Object o = v.get(key);
        if (o instanceof Boolean b) {
            return b;
        }
        if (o instanceof String s && (s.equals("true") || s.equals("false"))) {
            return Boolean.parseBoolean(s);
        }
        throw bad(key, "true or false", o);
    }

    List<String> stringList(String key) {
        Object o = v.get(key);
        List<String> out = new ArrayList<>();
        if (o instanceof String s) {
            for (String part : s.split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim().toLowerCase(Locale.ROOT));
                }
            }
        } else if (o instanceof List<?> list) {
            for (Object item : list) {
                // YAML reads null, 3 and no as no name at all: not the tasks 'null', '3' and 'false'
                if (!(item instanceof String name)) {
                    throw bad(key, "a list of task names (quote a name YAML would read otherwise)", o);
                }
                out.add(name.trim().toLowerCase(Locale.ROOT));
            }
        } else if (o != null) {
            throw bad(key, "a list of task names", o);
        }
        if (out.isEmpty()) {
            throw new UserError("missing " + key + ": give --" + key + " t1,t2 or list them in the config file");
        }
        if (out.stream().distinct().count() != out.size()) {
            throw new UserError(origin.get(key) + " lists a task twice: " + out);
        }
        return List.copyOf(out);
    }

    /** Task weights from a file's map or a flag's "mnli=1,sst2=0.5"; each must be finite and positive. */
    Map<String, Double> doubleMap(String key) {
        Object o = v.get(key);
        Map<String, Double> out = new LinkedHashMap<>();
        if (o instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getValue() instanceof Number n)) {
                    throw bad(key, "a number per task", e.getKey() + ": " + e.getValue());
                }
                putWeight(key, out, String.valueOf(e.getKey()), n.doubleValue());
            }
        } else if (o instanceof String s && !s.isBlank()) {
            for (String part : s.split(",")) {
                String[] kv = part.split("[=:]", -1);
                double weight;
                try {
                    weight = Double.parseDouble(kv[1].trim());
                } catch (RuntimeException e) {
                    throw bad(key, "task=weight pairs like mnli=1,sst2=0.5", s);
                }
                if (kv.length != 2 || kv[0].isBlank()) {
                    throw bad(key, "task=weight pairs like mnli=1,sst2=0.5", s);
                }
                putWeight(key, out, kv[0].trim(), weight);
            }
        } else if (o != null && !(o instanceof String)) {
            throw bad(key, "a map of task weights", o);
        }
        // In the order given, not Map.copyOf's per-JVM order: a resumed run compares its config with the
        // saved one as text, and the same weights in another order would read as a changed config.
        return java.util.Collections.unmodifiableMap(out);
    }

    /** {@code task} is lower-cased as {@link #stringList} lower-cases the task list it must name. */
    private void putWeight(String key, Map<String, Double> out, String task, double weight) {
        task = task.toLowerCase(Locale.ROOT);
        // A negative weight trains the task by gradient ascent, NaN or infinity poisons every step,
        // and 0 spends the task's steps on nothing.
        if (!(Double.isFinite(weight) && weight > 0)) {
            throw bad(key, "finite weights > 0", task + "=" + weight);
        }
        if (out.put(task, weight) != null) {
            throw new UserError(origin.get(key) + " gives task " + task + " two weights");
        }
    }

    private UserError bad(String key, String expected, Object got) {
        return new UserError(origin.get(key) + " must be " + expected + ", got " + got);
    }
}
