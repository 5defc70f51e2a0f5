package io.mtl4j.util;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SuggestionsTest {
    private static final List<String> KEYS = List.of("batch-size", "warmup-ratio", "lr", "head-lr", "seed", "steps");

    @Test
    void distanceCountsEditsAndAdjacentSwaps() {
        assertEquals(0, Suggestions.distance("lr", "lr"));
        assertEquals(1, Suggestions.distance("batchsize", "batch-size"));
        assertEquals(1, Suggestions.distance("stpes", "steps"));
        assertEquals(1, Suggestions.distance("warmup-ration", "warmup-ratio"));
        assertEquals(3, Suggestions.distance("kitten", "sitting"));
    }

    @Test
    void suggestsTheClosestNameWithinTwoEdits() {
        assertEquals(Optional.of("batch-size"), Suggestions.closest("batch_size", KEYS));
        assertEquals(Optional.of("batch-size"), Suggestions.closest("batchsize", KEYS));
        assertEquals(Optional.of("warmup-ratio"), Suggestions.closest("warmup_ration", KEYS));
        assertEquals(Optional.of("steps"), Suggestions.closest("stpes", KEYS));
        assertEquals("; did you mean head-lr?", Suggestions.didYouMean("heads-lr", KEYS));
    }

    @Test
    void shortOrDistantNamesGetNoSuggestion() {
        assertEquals(Optional.empty(), Suggestions.closest("epochs", KEYS));
        assertEquals(Optional.empty(), Suggestions.closest("xy", KEYS), "two edits from lr, but too short to guess");
        assertEquals("", Suggestions.didYouMean("learning-rate", KEYS));
    }
}
