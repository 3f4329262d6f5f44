package io.weightcast.app.live;

import java.util.List;

/**
 * Early stopping by the EARLY_STOP_CANDIDATE alerts, had every live run stopped at its first one.
 *
 * @param computeSaved share of the live runs' epochs after their first alert (mean over the orders)
 * @param top5Kept     share of the top 5% live runs (by final test accuracy, at least one) never flagged (mean over the orders)
 * @param top1Kept     whether the best live run was never flagged, in every order
 * @param orders       arrival orders of the live runs replayed (each a full replay on a fresh stack)
 * @param byOrder      each order's numbers (empty for a single order's own record)
 */
public record EarlyStopQuality(double computeSaved, double top5Kept, boolean top1Kept, int orders, int top5Runs,
                               String note, List<EarlyStopQuality> byOrder) {

    /** One order's numbers. */
    public EarlyStopQuality(double computeSaved, double top5Kept, boolean top1Kept, int top5Runs, String note) {
        this(computeSaved, top5Kept, top1Kept, 1, top5Runs, note, List.of());
    }

    public EarlyStopQuality {
        byOrder = List.copyOf(byOrder);
    }

    /**
     * One order's numbers from each run's stop epoch (the epoch after which it stopped; {@code epochs} when it ran to
     * its end, which counts as kept): compute saved, the top 5% (at least one) and the best run kept, by final accuracy.
     */
    public static EarlyStopQuality ofRuns(double[] finals, int[] stopEpoch, int epochs, String note) {
        int n = finals.length;
        if (n == 0) {
            return new EarlyStopQuality(Double.NaN, Double.NaN, false, 0, note);
        }
        long saved = 0;
        for (int s : stopEpoch) {
            saved += Math.max(0, epochs - s);
        }
        Integer[] byFinal = new Integer[n];
        for (int i = 0; i < n; i++) {
            byFinal[i] = i;
        }
        java.util.Arrays.sort(byFinal, (a, b) -> Double.compare(finals[b], finals[a]));
        int top = Math.max(1, (int) Math.ceil(0.05 * n));
        int kept = 0;
        for (int i = 0; i < top; i++) {
            kept += stopEpoch[byFinal[i]] >= epochs ? 1 : 0;
        }
        return new EarlyStopQuality((double) saved / ((long) n * epochs), (double) kept / top, stopEpoch[byFinal[0]] >= epochs,
                top, note);
    }

    /** Several orders' numbers: means of the shares, top-1 kept only if kept in every order. */
    public static EarlyStopQuality over(List<EarlyStopQuality> orders) {
        return over(orders, "a run counts as stopped at its first EARLY_STOP_CANDIDATE alert");
    }

    /** As {@link #over(List)}, {@code how} saying when a run counts as stopped. */
    public static EarlyStopQuality over(List<EarlyStopQuality> orders, String how) {
        if (orders.size() == 1) {
            return orders.get(0);
        }
        double saved = orders.stream().mapToDouble(EarlyStopQuality::computeSaved).average().orElse(Double.NaN);
        double top5 = orders.stream().mapToDouble(EarlyStopQuality::top5Kept).average().orElse(Double.NaN);
        boolean top1 = orders.stream().allMatch(EarlyStopQuality::top1Kept);
        return new EarlyStopQuality(saved, top5, top1, orders.size(), orders.get(0).top5Runs(),
                "mean over " + orders.size() + " arrival orders of the live runs; top1_kept: kept in every order; " + how, orders);
    }
}
