package io.weightcast.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Helpers for the result tree (nested maps and lists): JSON-safe numbers, typed look-ups. */
public final class JsonTree {
    private JsonTree() {
    }

    /** A copy where non-finite numbers are null (JSON has no NaN), primitive arrays are lists, unordered maps sorted. */
    public static Object sanitize(Object v) {
        if (v instanceof Double d) {
            return Double.isFinite(d) ? d : null;
        }
        if (v instanceof Float f) {
            return Float.isFinite(f) ? f : null;
        }
        if (v instanceof double[] a) {
            List<Object> out = new ArrayList<>();
            for (double x : a) {
                out.add(sanitize(x));
            }
            return out;
        }
        if (v instanceof int[] a) {
            List<Object> out = new ArrayList<>();
            for (int x : a) {
                out.add(x);
            }
            return out;
        }
        if (v instanceof Object[] a) {
            List<Object> out = new ArrayList<>();
            for (Object x : a) {
                out.add(sanitize(x));
            }
            return out;
        }
        if (v instanceof Map<?, ?> m) {
            // insertion-ordered maps keep their order; others (Map.of) are sorted, so the output is deterministic
            Map<String, Object> out = m instanceof LinkedHashMap<?, ?> || m instanceof java.util.SortedMap<?, ?>
                    ? new LinkedHashMap<>() : new java.util.TreeMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), sanitize(x)));
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(x -> out.add(sanitize(x)));
            return out;
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> map(Object tree, String... path) {
        Object v = get(tree, path);
        return v instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> list(Object tree, String... path) {
        Object v = get(tree, path);
        return v instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
    }

    public static double num(Object tree, String... path) {
        Object v = get(tree, path);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    static Object get(Object tree, String... path) {
        Object v = tree;
        for (String p : path) {
            if (!(v instanceof Map<?, ?> m)) {
                return null;
            }
            v = m.get(p);
        }
        return v;
    }
}
