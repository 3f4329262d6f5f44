package io.weightcast.core.model;

/**
 * Training rows as LightGBM takes them: {@code rows × cols} values in row-major order (NaN for missing) and the
 * column names written into the model text (or null).
 */
public record FeatureMatrix(double[] rowMajor, int rows, int cols, String[] names) {
    public FeatureMatrix {
        if (rowMajor.length != (long) rows * cols) {
            throw new IllegalArgumentException(rows + " × " + cols + " rows need " + (long) rows * cols + " values, got " + rowMajor.length);
        }
        if (names != null && names.length != cols) {
            throw new IllegalArgumentException(cols + " columns, " + names.length + " names");
        }
    }
}
