package io.weightcast.core.kafka;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * A processor supplier that brings the state stores its processors use (Kafka's
 * {@link org.apache.kafka.streams.processor.ConnectedStoreProvider}): adding the processor to a topology
 * adds and connects them, so no separate {@code addStateStore} call can be forgotten or get out of step.
 * Processors sharing a store pass the same {@link StoreBuilder} instance.
 */
public record StatefulProcessorSupplier<KIn, VIn, KOut, VOut>(Supplier<Processor<KIn, VIn, KOut, VOut>> processors,
                                                               Set<StoreBuilder<?>> stores)
        implements ProcessorSupplier<KIn, VIn, KOut, VOut> {

    public StatefulProcessorSupplier {
        stores = Collections.unmodifiableSet(new LinkedHashSet<>(stores)); // in the order given, as addStateStore calls were
    }

    /** @param processors makes a new processor at each call, as {@link ProcessorSupplier#get()} requires */
    public static <KIn, VIn, KOut, VOut> StatefulProcessorSupplier<KIn, VIn, KOut, VOut> of(
            Supplier<Processor<KIn, VIn, KOut, VOut>> processors, StoreBuilder<?>... stores) {
        return new StatefulProcessorSupplier<>(processors, new LinkedHashSet<>(List.of(stores)));
    }

    @Override
    public Processor<KIn, VIn, KOut, VOut> get() {
        return processors.get();
    }
}
