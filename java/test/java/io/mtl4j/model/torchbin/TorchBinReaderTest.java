package io.mtl4j.model.torchbin;

import io.mtl4j.model.safetensors.SafeTensorsFile;
import io.mtl4j.model.safetensors.TensorInfo;
import io.mtl4j.model.torchbin.TorchBinReader.StoredTensor;
import io.mtl4j.testing.TestResources;
import io.mtl4j.util.UserError;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fixtures of scripts/gen_torch_bin_fixtures.py read back to exactly the tensors it saved. */
class TorchBinReaderTest {
    @TempDir
    Path tmp;
    Path bins;
    Path tiny;

    @BeforeEach
    void copyFixtures() throws Exception {
        bins = TestResources.copyTree("/golden/torch-bin", tmp.resolve("torch-bin"));
        tiny = TestResources.copyTree("/golden/tiny-bert/f32", tmp.resolve("tiny")).resolve("model.safetensors");
    }

    @Test
    void zipFormatReadsTheTinyBertBitForBit() {
        List<StoredTensor> read = TorchBinReader.read(bins.resolve("zip.bin"));
        assertMatches(tiny, read, name -> "bert." + name, false);
    }

    /**
     * torch >= 2 writes the zip format with more records beside data.pkl and data/: .format_version,
     * .storage_alignment, byteorder (torch's _save) and .data/version, .data/serialization_id (its zip writer).
     * Only byteorder matters: a big-endian file is refused, not misread.
     */
    @Test
    void torch2sExtraRecordsAreReadAndABigEndianFileRefused() throws Exception {
        Path little = withRecords("torch2.bin", "little");
        assertMatches(tiny, TorchBinReader.read(little), name -> "bert." + name, false);

        Path big = withRecords("torch2-big.bin", "big");
        UserError e = assertThrows(UserError.class, () -> TorchBinReader.read(big));
        assertTrue(e.getMessage().startsWith(big + ": storages are big-endian"), e.getMessage());
    }

    /** zip.bin's records (stored, as torch stores them) plus the records torch 2 adds, under the same archive name. */
    private Path withRecords(String name, String byteorder) throws Exception {
        Path out = tmp.resolve(name);
        Map<String, byte[]> records = new java.util.LinkedHashMap<>();
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(bins.resolve("zip.bin").toFile())) {
            for (java.util.zip.ZipEntry entry : java.util.Collections.list(zip.entries())) {
                records.put(entry.getName(), zip.getInputStream(entry).readAllBytes());
                if (entry.getName().endsWith("/data.pkl")) {
                    String archive = entry.getName().substring(0, entry.getName().indexOf('/') + 1);
                    records.put(archive + ".format_version", "1".getBytes());
                    records.put(archive + ".storage_alignment", "64".getBytes());
                    records.put(archive + "byteorder", byteorder.getBytes());
                }
            }
        }
        String archive = records.keySet().iterator().next().replaceFirst("/.*", "/");
        records.put(archive + ".data/version", "3\n".getBytes());
        records.put(archive + ".data/serialization_id", "1234567890123456789012345678901234567890".getBytes());
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(out))) {
            for (Map.Entry<String, byte[]> record : records.entrySet()) {
                java.util.zip.ZipEntry entry = new java.util.zip.ZipEntry(record.getKey());
                java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                crc.update(record.getValue());
                entry.setMethod(java.util.zip.ZipEntry.STORED);
                entry.setSize(record.getValue().length);
                entry.setCrc(crc.getValue());
                zip.putNextEntry(entry);
                zip.write(record.getValue());
                zip.closeEntry();
            }
        }
        return out;
    }

    @Test
    void legacyFormatReadsTheTensorsItHolds() {
        List<StoredTensor> read = TorchBinReader.read(bins.resolve("legacy.bin"));
        assertTrue(read.stream().anyMatch(t -> t.name().equals("encoder.layer.0.output.dense.weight")));
        assertFalse(read.stream().anyMatch(t -> t.name().startsWith("encoder.layer.1.")));
        assertMatches(tiny, read, UnaryOperator.identity(), true);
    }

    @Test
    void dtypesViewsAndSharedStoragesInBothFormats() {
        Path expected = bins.resolve("views.expected.safetensors");
        for (String file : List.of("views.bin", "views-legacy.bin")) {
            List<StoredTensor> read = TorchBinReader.read(bins.resolve(file));
            assertEquals(List.of("half", "bf16", "position_ids", "transposed", "slice_rows", "slice_block",
                    "tied_a", "tied_b", "scalar"), read.stream().map(StoredTensor::name).toList(), file);
            assertMatches(expected, read, UnaryOperator.identity(), false);
        }
    }

    @Test
    void theHeadersComeBeforeAnyDataAndEachTensorOnceGroupedByStorage() throws Exception {
        for (String file : List.of("views.bin", "views-legacy.bin")) {
            try (TorchBinReader.StateDict dict = TorchBinReader.open(bins.resolve(file))) {
                List<String> names = dict.tensors().stream().map(TorchBinReader.TensorHeader::name).toList();
                assertEquals(List.of("half", "bf16", "position_ids", "transposed", "slice_rows", "slice_block",
                        "tied_a", "tied_b", "scalar"), names, file);
                List<String> seen = new java.util.ArrayList<>();
                dict.readTensors((index, data) -> seen.add(names.get(index)));
                assertEquals(names.size(), seen.size(), file + ": " + seen);
                assertEquals(Set.copyOf(names), Set.copyOf(seen), file);
                // One storage at a time: the tensors over one storage are handed over together,
                // after it is read and before the next one is.
                assertEquals(seen.indexOf("slice_rows") + 1, seen.indexOf("slice_block"), file + ": " + seen);
                assertEquals(seen.indexOf("tied_a") + 1, seen.indexOf("tied_b"), file + ": " + seen);
            }
        }
    }

    @Test
    void aForbiddenGlobalIsRefusedByName() {
        Path namespace = bins.resolve("forbidden-namespace.bin");
        UserError e = assertThrows(UserError.class, () -> TorchBinReader.read(namespace));
        assertEquals(namespace + ": refused: pickle global argparse.Namespace; mtl4j reads plain state dicts only",
                e.getMessage());
        Path system = bins.resolve("forbidden-os-system.bin");
        e = assertThrows(UserError.class, () -> TorchBinReader.read(system));
        assertEquals(system + ": refused: pickle global posix.system; mtl4j reads plain state dicts only", e.getMessage());
    }

    @Test
    void aTruncatedOrForeignFileIsAOneLineError() throws Exception {
        Path cut = tmp.resolve("cut.bin");
        byte[] legacy = Files.readAllBytes(bins.resolve("legacy.bin"));
        Files.write(cut, java.util.Arrays.copyOf(legacy, legacy.length - 100));
        UserError e = assertThrows(UserError.class, () -> TorchBinReader.read(cut));
        assertTrue(e.getMessage().startsWith(cut + ": truncated"), e.getMessage());

        Path text = tmp.resolve("text.bin");
        Files.writeString(text, "hello");
        e = assertThrows(UserError.class, () -> TorchBinReader.read(text));
        assertTrue(e.getMessage().startsWith(text + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    /** Every tensor read equals, dtype, shape and bytes, the one of {@code reference} it came from. */
    private static void assertMatches(Path reference, List<StoredTensor> read, UnaryOperator<String> storedName,
                                      boolean subset) {
        Map<String, StoredTensor> byName = read.stream().collect(Collectors.toMap(StoredTensor::name, t -> t));
        try (SafeTensorsFile st = SafeTensorsFile.open(reference)) {
            int matched = 0;
            for (TensorInfo info : st.tensors().values()) {
                StoredTensor t = byName.get(storedName.apply(info.name()));
                if (t == null && subset) {
                    continue;
                }
                assertTrue(t != null, "missing " + info.name());
                assertEquals(info.dtype(), t.dtype(), info.name());
                assertArrayEquals(info.shape(), t.shape(), info.name());
                ByteBuffer want = st.map(info);
                assertEquals(want, t.data().duplicate().rewind(), info.name());
                matched++;
            }
            assertEquals(read.size(), matched);
        }
    }
}
