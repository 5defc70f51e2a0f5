package io.mtl4j.config;

import io.mtl4j.util.UserError;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    private static Map<String, Object> required() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", "m");
        o.put("data", "d");
        o.put("tasks", "sst2,qqp");
        o.put("lr", 3e-5);
        return o;
    }

    @Test
    void lossWeightsGetTheirOwnRateUnlessTold() {
        assertEquals(1e-2, ConfigLoader.load(null, required()).lossWeightLr());
        Map<String, Object> o = required();
        o.put("loss-weight-lr", 0.5);
        assertEquals(0.5, ConfigLoader.load(null, o).lossWeightLr());
    }

    @Test
    void aSavedConfigRoundTrips() {
        TrainConfig config = ConfigLoader.load(null, required());
        assertEquals(config, ConfigLoader.fromSaved(config.toMap(), "mtl4j.json"));
    }

    @Test
    void aConfigSavedBeforeLossWeightLrResumesAtTheHeadsRate() {
        Map<String, Object> saved = ConfigLoader.load(null, required()).toMap();
        saved.remove("loss-weight-lr");
        TrainConfig restored = ConfigLoader.fromSaved(saved, "mtl4j.json");
        assertEquals(3e-5, restored.headLr());
        assertEquals(3e-5, restored.lossWeightLr(), "old runs trained their loss weights at the heads' rate");
    }

    @Test
    void anOutOfRangeRateNamesItsFlag() {
        Map<String, Object> o = required();
        o.put("loss-weight-lr", 0.0);
        UserError e = assertThrows(UserError.class, () -> ConfigLoader.load(null, o));
        assertTrue(e.getMessage().contains("loss-weight-lr"), e.getMessage());
    }
}
