package io.weightcast.app.live;

/**
 * Early stopping by the EARLY_STOP_CANDIDATE alerts, had every live run stopped at its first one.
 *
 * @param computeSaved share of the live runs' epochs after their first alert
 * @param top5Kept     share of the top 5% live runs (by final test accuracy, at least one) never flagged
 * @param top1Kept     whether the best live run was never flagged
 * @param orders       arrival orders replayed
 */
public record EarlyStopQuality(double computeSaved, double top5Kept, boolean top1Kept, int orders, int top5Runs,
                               String note) {
}
