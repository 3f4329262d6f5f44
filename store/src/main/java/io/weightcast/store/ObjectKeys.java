package io.weightcast.store;

/** Relative object keys and URI paths made of plain names only, so neither a key nor a reference can climb out of a root. */
final class ObjectKeys {
    private ObjectKeys() {
    }

    /** True for {@code a/b/c.safetensors}; false for an empty name, {@code .}, {@code ..}, a backslash or a NUL anywhere. */
    static boolean plain(String relative) {
        if (relative == null || relative.isEmpty() || relative.indexOf('\\') >= 0 || relative.indexOf('\0') >= 0) {
            return false;
        }
        for (String name : relative.split("/", -1)) {
            if (name.isEmpty() || name.equals(".") || name.equals("..")) {
                return false;
            }
        }
        return true;
    }

    static String require(String key) {
        if (!plain(key)) {
            throw new IllegalArgumentException("object key '" + key + "' is not a relative path of plain names");
        }
        return key;
    }
}
