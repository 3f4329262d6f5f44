package io.weightcast.core.features;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The run's hyper-parameters as features (layout v4, the last section): what the training loop
 * declared when it started (the client sends them as checkpoint metadata {@code hparams}). A live
 * monitor knows them before the first epoch, and on the benchmark zoo they are what separates a
 * slow starter that ends near the top from a run that stays mediocre: with them the top-run rule's
 * setting chosen on the training runs saved 0.81 of the epochs instead of 0.68–0.76, and the epoch-1
 * R² rose from 0.895 to 0.924 (eval/results/predict.md).
 *
 * <p>Names are matched ignoring case, with {@code -}, {@code .}, {@code /} and spaces read as {@code _}
 * (so {@code Learning-Rate} and {@code learning rate} are {@code learning_rate}; a nested {@code optimizer.lr}
 * becomes {@code optimizer_lr}, which is not read: flatten to the leaf name),
 * against the conventional name and the aliases common in PyTorch, Lightning, Hugging Face and Keras
 * configurations (below). A study that calls them otherwise gets NaN (missing to LightGBM), never a
 * wrong value: a name that could mean two things (Adam's {@code beta1} as momentum) is not an alias.
 * Scale parameters enter as logarithms (their ranges span decades);
 * categorical ones (optimizer, init, activation) as a stable code in [0, 1) derived from the lower-cased
 * value, which trees can split on like any number; {@code true}/{@code false} as 1/0.
 */
public final class HyperparameterFeatures {
    /** Feature name → the hyper-parameter names it is read from (first present wins). */
    private static final List<Source> SOURCES = List.of(
            new Source("hp_log10_learning_rate", Transform.LOG10, "learning_rate", "lr", "base_lr", "initial_lr",
                    "max_lr", "init_lr"),
            new Source("hp_log10_weight_decay", Transform.LOG10, "weight_decay", "l2", "wd", "l2_reg", "l2_regularization",
                    "l2_penalty"),
            new Source("hp_dropout", Transform.NONE, "dropout", "dropout_rate", "dropout_p", "drop_rate", "dropout_prob",
                    "hidden_dropout_prob"),
            new Source("hp_log2_batch_size", Transform.LOG2, "batch_size", "bs", "batch", "train_batch_size",
                    "per_device_train_batch_size", "minibatch_size", "mini_batch_size"),
            new Source("hp_momentum", Transform.NONE, "momentum", "sgd_momentum"),
            new Source("hp_log10_init_std", Transform.LOG10, "init_std", "initializer_range", "init_stddev", "weight_init_std"),
            new Source("hp_train_fraction", Transform.NONE, "train_fraction", "data_fraction", "train_subset_fraction",
                    "subset_fraction"),
            new Source("hp_optimizer", Transform.CATEGORY, "optimizer", "optim", "opt", "optimizer_name", "optimizer_type"),
            new Source("hp_init", Transform.CATEGORY, "init", "initializer", "initialization", "weight_init", "init_method",
                    "kernel_initializer"),
            new Source("hp_activation", Transform.CATEGORY, "activation", "act", "activation_fn", "activation_function",
                    "nonlinearity", "hidden_act"));
    public static final List<String> NAMES = SOURCES.stream().map(Source::feature).toList();
    private static final int CODES = 10_007;

    private HyperparameterFeatures() {
    }

    public static boolean isHyperparameterFeature(String name) {
        return name.startsWith("hp_");
    }

    /**
     * @param hparams    what the run declared (numbers, strings, booleans; null or absent: NaN)
     * @param activation the checkpoint's {@code activation} metadata, used when the hparams do not name one
     * @return {@link #NAMES}-ordered values
     */
    public static double[] of(Map<String, ?> hparams, String activation) {
        Map<String, Object> named = normalized(hparams);
        double[] v = new double[SOURCES.size()];
        for (int i = 0; i < v.length; i++) {
            Source s = SOURCES.get(i);
            Object raw = s.lookup(named);
            if (raw == null && s.feature.equals("hp_activation")) {
                raw = activation;
            }
            v[i] = s.transform.apply(raw);
        }
        return v;
    }

    /** A declared hyper-parameter no feature takes, and why. */
    public record Unread(String name, Kind kind, String reason) {
        /** Why, as a metric label. */
        public enum Kind {
            UNKNOWN_NAME, SHADOWED, BAD_VALUE;

            public String label() {
                return name().toLowerCase(Locale.ROOT);
            }
        }

        @Override
        public String toString() {
            return name + " (" + reason + ")";
        }
    }

    /**
     * The declared hyper-parameters that no feature takes, in the map's order: a name no feature reads
     * (maybe nested, or an alias not listed above), a value that is not a number or a category where the
     * feature needs one, or a name shadowed by an earlier alias of the same feature. Loops declare many
     * that are not features (seed, epochs); this says which ones, so a study can see why a column is NaN.
     */
    public static List<Unread> unread(Map<String, ?> hparams) {
        List<Unread> out = new java.util.ArrayList<>();
        if (hparams == null) {
            return out;
        }
        Map<String, Object> named = normalized(hparams);
        hparams.forEach((key, value) -> {
            if (key == null || value == null) {
                return;
            }
            String n = normalize(key);
            Source source = SOURCES.stream().filter(s -> java.util.Arrays.asList(s.keys).contains(n)).findFirst().orElse(null);
            if (source == null) {
                out.add(new Unread(key, Unread.Kind.UNKNOWN_NAME, "no feature reads this name"));
            } else if (named.get(n) != value || source.lookup(named) != value) {
                out.add(new Unread(key, Unread.Kind.SHADOWED, source.feature + " is read from another name"));
            } else if (Double.isNaN(source.transform.apply(value))) {
                out.add(new Unread(key, Unread.Kind.BAD_VALUE,
                        source.transform == Transform.CATEGORY ? "not a category name" : "not a usable number"));
            }
        });
        return out;
    }

    /** The key as matched: lower case, separators as {@code _}. */
    static String normalize(String key) {
        return key.strip().toLowerCase(Locale.ROOT).replaceAll("[-./\\s]+", "_");
    }

    /** The declared values under their normalized names; of two keys that normalize alike the first (in iteration order) wins. */
    private static Map<String, Object> normalized(Map<String, ?> hparams) {
        Map<String, Object> out = new java.util.HashMap<>();
        if (hparams != null) {
            hparams.forEach((k, v) -> {
                if (k != null && v != null) {
                    out.putIfAbsent(normalize(k), v);
                }
            });
        }
        return out;
    }

    /** The code a categorical value gets: stable across JVMs and releases ({@link String#hashCode} is specified). */
    static double code(String value) {
        return Math.floorMod(value.strip().toLowerCase(Locale.ROOT).hashCode(), CODES) / (double) CODES;
    }

    private record Source(String feature, Transform transform, String... keys) {
        Object lookup(Map<String, ?> hparams) {
            for (String k : keys) {
                Object v = hparams.get(k);
                if (v != null) {
                    return v;
                }
            }
            return null;
        }
    }

    private enum Transform {
        NONE, LOG10, LOG2, CATEGORY;

        double apply(Object raw) {
            if (raw == null) {
                return Double.NaN;
            }
            if (this == CATEGORY) {
                return raw instanceof String s && !s.isBlank() ? code(s) : raw instanceof Boolean b ? code(b.toString()) : Double.NaN;
            }
            double x = number(raw);
            return switch (this) {
                case LOG10 -> x > 0 ? Math.log10(x) : x == 0 ? LOG_ZERO : Double.NaN;
                case LOG2 -> x > 0 ? Math.log(x) / Math.log(2) : Double.NaN;
                default -> x;
            };
        }

        /** log10 of a scale parameter set to 0 (no weight decay): below any real setting, still finite. */
        private static final double LOG_ZERO = -12;

        private static double number(Object raw) {
            if (raw instanceof Number n) {
                return Double.isFinite(n.doubleValue()) ? n.doubleValue() : Double.NaN;
            }
            if (raw instanceof Boolean b) {
                return b ? 1 : 0;
            }
            if (raw instanceof String s) {
                try {
                    double d = Double.parseDouble(s.strip());
                    return Double.isFinite(d) ? d : Double.NaN;
                } catch (NumberFormatException e) {
                    return Double.NaN; // a name where a number belongs: missing, not an error
                }
            }
            return Double.NaN;
        }
    }
}
