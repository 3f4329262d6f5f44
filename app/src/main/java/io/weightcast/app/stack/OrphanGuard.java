package io.weightcast.app.stack;

import io.weightcast.app.WeightcastCommand;
import java.util.Optional;

/**
 * Entry point of the chaos harness's child JVMs: {@code OrphanGuard <parent pid> <weightcast args...>}
 * runs {@link WeightcastCommand} with the arguments and halts this JVM as soon as the parent process
 * is gone. A harness killed itself (Ctrl-C, a test timeout, kill -9) would otherwise leave a broker and
 * four services running on a shared machine.
 */
public final class OrphanGuard {
    private OrphanGuard() {
    }

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: OrphanGuard <parent pid> <weightcast arguments...>");
            System.exit(2);
        }
        long parent = Long.parseLong(args[0]);
        Optional<ProcessHandle> handle = ProcessHandle.of(parent);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            System.err.println("parent process " + parent + " is gone; not starting");
            System.exit(3);
        }
        // halt, not exit: a clean close could wait on a broker that died with the harness.
        handle.get().onExit().thenRun(() -> {
            System.err.println("parent process " + parent + " exited; halting");
            Runtime.getRuntime().halt(4);
        });
        String[] rest = new String[args.length - 1];
        System.arraycopy(args, 1, rest, 0, rest.length);
        WeightcastCommand.main(rest);
    }
}
