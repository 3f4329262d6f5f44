package io.weightcast.trainer;

import io.weightcast.core.features.FeatureLayout;
import io.weightcast.core.records.FeatureVector;
import io.weightcast.core.records.MalformedRecordException;
import io.weightcast.core.records.RunEvent;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.TreeMap;

/**
 * Everything the trainer knows about runs, rebuilt by replaying the {@code features} and
 * {@code runs} topics: per run its feature vectors by step (the latest record for a step wins,
 * so a re-processed checkpoint replaces the old one), its study and its label. A run is a zoo
 * member once it has finished with a label AND has at least one feature vector; the two topics
 * arrive in any order. Both kinds are bounded ({@code trainer.zoo.max.runs}, {@code trainer.unfinished.max.runs}):
 * past its bound the least recently updated member goes (the fit learns from the newest runs), or the least
 * recently updated unfinished run (a crashed run never finishes; ~1 KB of doubles per checkpoint each). Not
 * thread-safe: owned by the trainer's poll thread.
 *
 * <p>The vectors are fitted exactly as the scorer saw them: a large checkpoint's spectra arrive on
 * the {@code spectra} topic after it was scored, so its spectral section stays missing here too
 * (joining them would train on features the scorer never has: train/serve skew).
 */
public final class ZooState {
    private static final class RunEntry {
        String study;
        Double finalAccuracy;
        Double finalTrainAccuracy;
        final TreeMap<Long, double[]> steps = new TreeMap<>();
    }

    /** Default {@code trainer.zoo.max.runs}: fits on more take minutes on one core. */
    public static final int DEFAULT_MAX_MEMBERS = 20_000;
    /** Default {@code trainer.unfinished.max.runs}. */
    public static final int DEFAULT_MAX_UNFINISHED = 5_000;

    /** Least recently updated first (access order): where eviction looks. */
    private final LinkedHashMap<String, RunEntry> runs = new LinkedHashMap<>(16, 0.75f, true);
    private final int maxMembers;
    private final int maxUnfinished;

    private int featureVectors;
    private int members;
    private long evicted;

    public ZooState() {
        this(DEFAULT_MAX_MEMBERS, DEFAULT_MAX_UNFINISHED);
    }

    public ZooState(int maxMembers, int maxUnfinished) {
        if (maxMembers < 1 || maxUnfinished < 1) {
            throw new IllegalArgumentException("zoo bounds must be at least 1, were " + maxMembers + " and " + maxUnfinished);
        }
        this.maxMembers = maxMembers;
        this.maxUnfinished = maxUnfinished;
    }

    /**
     * Adds one checkpoint's features.
     *
     * @param keyRunId the record key (used when the value lacks a run id; must agree otherwise)
     * @throws MalformedRecordException if the vector cannot be used by this trainer's layout
     */
    public void addFeatures(FeatureVector fv, String keyRunId) {
        String runId = runId(fv.runId(), keyRunId);
        if (fv.layoutVersion() != FeatureLayout.VERSION) {
            throw new MalformedRecordException("feature layout version " + fv.layoutVersion()
                    + ", this trainer fits layout " + FeatureLayout.VERSION);
        }
        if (fv.values() == null || fv.values().length != FeatureLayout.size()) {
            throw new MalformedRecordException("feature vector has " + (fv.values() == null ? 0 : fv.values().length)
                    + " values, layout " + FeatureLayout.VERSION + " has " + FeatureLayout.size());
        }
        if (fv.step() < 0) {
            throw new MalformedRecordException("step must be >= 0, was " + fv.step());
        }
        RunEntry run = runs.computeIfAbsent(runId, k -> new RunEntry());
        boolean was = isMember(run);
        if (run.steps.put(fv.step(), fv.values().clone()) == null) {
            featureVectors++;
        }
        if (fv.study() != null) {
            run.study = fv.study();
        }
        changed(run, was);
    }

    /** Applies a run event; only {@code finished} (the label) and the study matter here. */
    public void addRunEvent(RunEvent event, String keyRunId) {
        RunEvent e = event.validate();
        RunEntry run = runs.computeIfAbsent(runId(e.runId(), keyRunId), k -> new RunEntry());
        boolean was = isMember(run);
        if (e.study() != null) {
            run.study = e.study();
        }
        if (e.isFinished()) {
            run.finalAccuracy = e.finalTestAccuracy();
            run.finalTrainAccuracy = e.finalMetrics().get("train_accuracy");
        }
        changed(run, was);
    }

    /** Counts {@code run}'s membership change, then evicts past either bound. */
    private void changed(RunEntry run, boolean wasMember) {
        members += (isMember(run) ? 1 : 0) - (wasMember ? 1 : 0);
        while (runs.size() - members > maxUnfinished) {
            evictOldest(false);
        }
        while (members > maxMembers) {
            evictOldest(true);
        }
    }

    private void evictOldest(boolean member) {
        Iterator<RunEntry> it = runs.values().iterator();
        while (it.hasNext()) {
            RunEntry r = it.next();
            if (isMember(r) == member) {
                it.remove();
                featureVectors -= r.steps.size();
                members -= member ? 1 : 0;
                evicted++;
                return;
            }
        }
    }

    /** Runs let go of past the bounds since start. */
    public long evicted() {
        return evicted;
    }

    public int zooSize() {
        return members;
    }

    /** The zoo members' checkpoints (feature vectors). */
    public long zooCheckpoints() {
        long n = 0;
        for (RunEntry r : runs.values()) {
            if (isMember(r)) {
                n += r.steps.size();
            }
        }
        return n;
    }

    /** Runs seen in either topic, finished or not. */
    public int runsSeen() {
        return runs.size();
    }

    /** Feature vectors held, one per (run, step), zoo members or not. */
    public int featureVectors() {
        return featureVectors;
    }

    /** The zoo members, sorted by run id so a fit sees its rows in a reproducible order. */
    public List<ZooRun> zooRuns() {
        List<ZooRun> out = new ArrayList<>();
        new TreeMap<>(runs).forEach((id, r) -> {
            if (isMember(r)) {
                List<ZooRun.Checkpoint> cps = new ArrayList<>(r.steps.size());
                r.steps.forEach((step, values) -> cps.add(new ZooRun.Checkpoint(step, values)));
                out.add(new ZooRun(id, r.study, r.finalAccuracy, cps, r.finalTrainAccuracy));
            }
        });
        return out;
    }

    /** Ids of the zoo members, sorted. */
    public List<String> zooRunIds() {
        List<String> out = new ArrayList<>();
        new TreeMap<>(runs).forEach((id, r) -> {
            if (isMember(r)) {
                out.add(id);
            }
        });
        return out;
    }

    private static boolean isMember(RunEntry r) {
        return r.finalAccuracy != null && !r.steps.isEmpty();
    }

    private static String runId(String valueRunId, String keyRunId) {
        if (valueRunId == null || valueRunId.isBlank()) {
            if (keyRunId == null || keyRunId.isBlank()) {
                throw new MalformedRecordException("record has no run id (neither value nor key)");
            }
            return keyRunId;
        }
        if (keyRunId != null && !keyRunId.equals(valueRunId)) {
            throw new MalformedRecordException("run id '" + valueRunId + "' differs from record key '" + keyRunId + "'");
        }
        return valueRunId;
    }
}
