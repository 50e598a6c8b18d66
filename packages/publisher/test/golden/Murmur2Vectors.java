// Golden test-vector generator for the publisher's murmur2 key partitioner.
//
// Runs against the REAL Java Kafka client (org.apache.kafka:kafka-clients:4.3.1)
// with Java 11+ single-file source launch:
//
//   java -cp <kafka-clients-4.3.1.jar>:<slf4j-api.jar> Murmur2Vectors.java <out.json>
//
// (slf4j-api is a runtime dependency of kafka-clients: Utils has a static Logger.)
// Normally invoked through generate.sh next to this file, which fetches the jars
// from Maven Central into a temp dir outside the repo.
//
// For every key K the program records:
//   murmur2    = Utils.murmur2(K.getBytes(UTF_8))                         (signed int32)
//   partitions = BuiltInPartitioner.partitionForKey(keyBytes, n)          for each n
// In kafka-clients 4.3.1, BuiltInPartitioner.partitionForKey is exactly
//   return Utils.toPositive(Utils.murmur2(serializedKey)) % numPartitions;
// and KafkaProducer.partition(...) calls it for every keyed record when no explicit
// partition and no custom partitioner is configured. This program calls the real
// method AND recomputes toPositive(murmur2) % n, and fails if they ever disagree.
// Key bytes are cross-checked against the real StringSerializer (default UTF-8).
//
// The key set is fully deterministic (fixed lists + java.util.Random with fixed
// seeds; java.util.Random's algorithm is specified by the JDK), so re-running
// produces a byte-identical JSON file.

import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

public class Murmur2Vectors {

    static final String KAFKA_CLIENTS_VERSION = "4.3.1";
    static final int[] PARTITION_COUNTS = {1, 2, 3, 6, 12, 24, 50, 100, 1000};
    static final int MIN_VECTORS = 1200;

    static final String ASCII_PRINTABLE;
    static final String LOWER = "abcdefghijklmnopqrstuvwxyz";
    static final String ID_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:";

    static {
        StringBuilder sb = new StringBuilder();
        for (char c = 0x20; c <= 0x7e; c++) sb.append(c);
        ASCII_PRINTABLE = sb.toString();
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: java -cp <kafka-clients.jar>:<slf4j-api.jar> Murmur2Vectors.java <out.json>");
            System.exit(2);
        }
        Path out = Paths.get(args[0]);

        String actualVersion = org.apache.kafka.common.utils.AppInfoParser.getVersion();
        if (!KAFKA_CLIENTS_VERSION.equals(actualVersion)) {
            throw new IllegalStateException("expected kafka-clients " + KAFKA_CLIENTS_VERSION
                + " on the classpath, found " + actualVersion);
        }

        List<String> keys = new ArrayList<>(buildKeys());
        if (keys.size() < MIN_VECTORS) {
            throw new IllegalStateException("only " + keys.size() + " keys generated, need >= " + MIN_VECTORS);
        }

        StringSerializer serializer = new StringSerializer(); // default encoding: UTF-8
        StringBuilder json = new StringBuilder(1 << 20);
        json.append("{\n");
        json.append("  \"generatedBy\": ").append(quote(generatedBy(out))).append(",\n");
        json.append("  \"kafkaClients\": ").append(quote(KAFKA_CLIENTS_VERSION)).append(",\n");
        json.append("  \"partitionCounts\": ").append(Arrays.toString(PARTITION_COUNTS)).append(",\n");
        json.append("  \"vectors\": [\n");
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
            if (!new String(bytes, StandardCharsets.UTF_8).equals(key)) {
                throw new IllegalStateException("key is not valid Unicode (lone surrogate?): index " + i);
            }
            byte[] serialized = serializer.serialize("golden-topic", key);
            if (!Arrays.equals(bytes, serialized)) {
                throw new IllegalStateException("StringSerializer bytes differ from UTF-8 for key index " + i);
            }
            int h = Utils.murmur2(bytes);
            json.append("    { \"key\": ").append(quote(key))
                .append(", \"murmur2\": ").append(h)
                .append(", \"partitions\": [");
            for (int j = 0; j < PARTITION_COUNTS.length; j++) {
                int n = PARTITION_COUNTS[j];
                int p = BuiltInPartitioner.partitionForKey(bytes, n);
                int expected = Utils.toPositive(h) % n;
                if (p != expected || p < 0 || p >= n) {
                    throw new IllegalStateException("partitionForKey disagrees with toPositive(murmur2) % n for key index "
                        + i + ", n=" + n + ": " + p + " vs " + expected);
                }
                if (j > 0) json.append(", ");
                json.append(p);
            }
            json.append("] }");
            if (i < keys.size() - 1) json.append(',');
            json.append('\n');
        }
        json.append("  ]\n}\n");

        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        try (Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            w.write(json.toString());
        }
        System.err.println("wrote " + keys.size() + " vectors to " + out);
    }

    /** Reconstructs the command line with machine-specific directories stripped, so output is reproducible. */
    static String generatedBy(Path out) {
        List<String> cp = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
            if (!entry.isEmpty()) cp.add(Paths.get(entry).getFileName().toString());
        }
        cp.sort(null);
        String cmd = "java -cp " + String.join(":", cp) + " Murmur2Vectors.java " + out.getFileName();
        String via = System.getenv("MURMUR2_VECTORS_VIA");
        return via == null || via.isEmpty() ? cmd : via + " -> " + cmd;
    }

    // ------------------------------------------------------------------ keys

    static Set<String> buildKeys() {
        Set<String> keys = new LinkedHashSet<>();

        // 1. empty key (0 bytes: murmur2 of an empty array, distinct from a null key)
        keys.add("");

        // 2. every single ASCII char U+0000..U+007F (incl. control chars)
        for (char c = 0; c < 0x80; c++) keys.add(String.valueOf(c));

        // 3. single non-ASCII code points incl. UTF-8 length boundaries
        int[] singleCps = {
            0x80, 0xA9, 0xE9, 0xDF, 0xF1, 0xFC, 0x3A9, 0x5D0, 0x7FF,          // 2-byte
            0x800, 0x20AC, 0x2713, 0x65E5, 0x672C, 0x8A9E, 0xD55C, 0xD7FF,     // 3-byte
            0xE000, 0xFEFF, 0xFFFD, 0xFFFF,
            0x10000, 0x1D11E, 0x1F600, 0x1F680, 0x1F389, 0x2070E, 0x10FFFF     // 4-byte
        };
        for (int cp : singleCps) keys.add(new String(Character.toChars(cp)));

        // 4. fixed ASCII words / typical keys, incl. JSON-escaping edge cases
        String[] words = {
            "a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh",
            "hello", "world", "Hello", "HELLO", "hello world", "Hello, World!", "kafka", "Kafka", "KAFKA",
            "key", "key1", "key2", "test", "foo", "bar", "baz", "qux", "null", "true", "false", "undefined",
            "order", "orders", "customer", "account", "user", "payment", "invoice", "shipment", "event",
            "order-1", "order-42", "customer-42", "account:123", "user/987", "tenant.a", "tenant_b",
            "OrderPlaced", "OrderShipped", "com.example.Order", "urn:kbus:aggregate:order:1",
            " ", "  ", " leading", "trailing ", "tab\there", "new\nline", "cr\rlf\n", "nul\u0000byte",
            "quote\"inside", "back\\slash", "\\\"", "</script>", "{}", "[]", "{\"a\":1}", "a=b&c=d",
            "~!@#$%^&*()_+", "`", "'single'", "\u007f", "the quick brown fox jumps over the lazy dog",
            "The Quick Brown Fox Jumps Over The Lazy Dog", "lorem ipsum dolor sit amet",
        };
        keys.addAll(Arrays.asList(words));

        // 5. numeric strings
        for (int i = 0; i < 128; i++) keys.add(Integer.toString(i));
        long p10 = 1;
        for (int i = 0; i <= 18; i++) {
            keys.add(Long.toString(p10));
            keys.add(Long.toString(p10 - 1));
            keys.add(Long.toString(-p10));
            p10 *= 10;
        }
        for (int i = 0; i <= 32; i++) keys.add(Long.toString(1L << i));
        String[] specialNumbers = {
            Integer.toString(Integer.MAX_VALUE), Integer.toString(Integer.MIN_VALUE),
            Long.toString(Long.MAX_VALUE), Long.toString(Long.MIN_VALUE), "-0", "+1", "00", "007", "0001",
            "3.14", "3.141592653589793", "-1.5", "1e10", "1E-7", "0x1F", "NaN", "Infinity",
            "18446744073709551615", "340282366920938463463374607431768211455",
        };
        keys.addAll(Arrays.asList(specialNumbers));
        Random numRnd = new Random(0x6E756D62L);
        for (int i = 0; i < 120; i++) keys.add(Integer.toString(numRnd.nextInt()));
        for (int i = 0; i < 60; i++) keys.add(Long.toString(numRnd.nextLong()));
        for (int i = 0; i < 40; i++) keys.add(Integer.toString(numRnd.nextInt(1_000_000)));

        // 6. UUID strings (account ids): deterministic v4-shaped UUIDs
        Random uuidRnd = new Random(0x75756964L);
        keys.add("00000000-0000-0000-0000-000000000000");
        keys.add("ffffffff-ffff-ffff-ffff-ffffffffffff");
        for (int i = 0; i < 220; i++) {
            String u = randomUuidV4(uuidRnd).toString();
            if (i < 180) keys.add(u);
            else if (i < 195) keys.add(u.toUpperCase(java.util.Locale.ROOT));
            else if (i < 210) keys.add("account-" + u);
            else keys.add(u.replace("-", ""));
        }

        // 7. random printable-ASCII keys of every length 1..8 (all byte-length % 4 tails)
        Random asciiRnd = new Random(0x61736369L);
        for (int len = 1; len <= 8; len++) {
            for (int i = 0; i < 30; i++) keys.add(randomFrom(asciiRnd, ASCII_PRINTABLE, len));
        }
        //    random lowercase words and id-like keys of lengths 3..12 / 9..64
        for (int i = 0; i < 100; i++) keys.add(randomFrom(asciiRnd, LOWER, 3 + asciiRnd.nextInt(10)));
        for (int len = 9; len <= 64; len++) {
            keys.add(randomFrom(asciiRnd, ID_CHARS, len));
            keys.add(randomFrom(asciiRnd, ASCII_PRINTABLE, len));
        }

        // 8. fixed multi-byte UTF-8 keys (2-, 3-, 4-byte code points, combining marks, ZWJ sequences)
        String[] multi = {
            "é", "e\u0301", "café", "cafe\u0301", "naïve", "Zürich", "São Paulo", "ÅÄÖ", "ß", "straße", "Ñandú",
            "Ελληνικά", "Русский", "Українська", "עברית", "العربية", "हिन्दी", "ไทย",
            "日本語", "日本", "日", "中文", "汉字", "한국어", "東京都", "こんにちは", "カタカナ",
            "😀", "😀😀", "😀😀😀", "a😀", "ab😀", "abc😀", "😀a", "😀ab", "😀abc", "🚀", "🎉", "𝄞", "𠜎𠜱𠝹",
            "🇺🇸", "🇯🇵", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈",
            "order-日本-😀", "customer-é-42", "account:Zürich:日本", "€100", "£", "¥", "✓ done", "→", "…",
            "\uFEFFbom", "\uFFFD", "mixé日😀", "é日😀", "😀日é",
        };
        keys.addAll(Arrays.asList(multi));

        // 9. random multi-byte strings: 1..8 code points from 2-byte, 3-byte, 4-byte and mixed pools
        Random mbRnd = new Random(0x75746638L);
        for (int len = 1; len <= 8; len++) {
            for (int i = 0; i < 5; i++) {
                keys.add(randomCodePoints(mbRnd, len, 2));
                keys.add(randomCodePoints(mbRnd, len, 3));
                keys.add(randomCodePoints(mbRnd, len, 4));
                keys.add(randomCodePoints(mbRnd, len, 0));
            }
        }

        // 10. long keys: 100, 1000, 5000 chars (and block-size boundaries)
        Random longRnd = new Random(0x6C6F6E67L);
        for (int i = 0; i < 5; i++) keys.add(randomFrom(longRnd, ASCII_PRINTABLE, 100));
        for (int i = 0; i < 3; i++) keys.add(randomFrom(longRnd, ASCII_PRINTABLE, 1000));
        for (int i = 0; i < 2; i++) keys.add(randomFrom(longRnd, ASCII_PRINTABLE, 5000));
        keys.add(repeat("a", 100));
        keys.add(repeat("a", 1000));
        keys.add(repeat("a", 5000));
        keys.add(repeat("0123456789", 500));
        for (int len : new int[] {127, 128, 129, 255, 256, 257, 1023, 1024, 1025, 4095, 4096, 4097}) {
            keys.add(randomFrom(longRnd, ID_CHARS, len));
        }
        //     long multi-byte keys (length in code points)
        keys.add(randomCodePoints(longRnd, 100, 2));
        keys.add(randomCodePoints(longRnd, 100, 3));
        keys.add(randomCodePoints(longRnd, 100, 4));
        keys.add(randomCodePoints(longRnd, 100, 0));
        keys.add(randomCodePoints(longRnd, 1000, 0));
        keys.add(randomCodePoints(longRnd, 5000, 0));
        keys.add(repeat("é", 1000));
        keys.add(repeat("日本語", 334));
        keys.add(repeat("😀", 1000));

        return keys;
    }

    static UUID randomUuidV4(Random rnd) {
        long msb = rnd.nextLong();
        long lsb = rnd.nextLong();
        msb = (msb & 0xFFFFFFFFFFFF0FFFL) | 0x0000000000004000L; // version 4
        lsb = (lsb & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L; // IETF variant
        return new UUID(msb, lsb);
    }

    static String randomFrom(Random rnd, String alphabet, int len) {
        StringBuilder sb = new StringBuilder(len);
        for (int i = 0; i < len; i++) sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        return sb.toString();
    }

    /** utf8Len = 2, 3 or 4 picks code points of that UTF-8 length; 0 = mixed (ASCII + all three). */
    static String randomCodePoints(Random rnd, int count, int utf8Len) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) {
            int len = utf8Len != 0 ? utf8Len : 1 + rnd.nextInt(4);
            int cp;
            switch (len) {
                case 1: cp = 0x20 + rnd.nextInt(0x7F - 0x20); break;
                case 2: cp = 0x80 + rnd.nextInt(0x800 - 0x80); break;
                case 3:
                    do { cp = 0x800 + rnd.nextInt(0x10000 - 0x800); }
                    while (cp >= 0xD800 && cp <= 0xDFFF); // never emit (lone) surrogates
                    break;
                default: cp = 0x10000 + rnd.nextInt(0x110000 - 0x10000); break;
            }
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    static String repeat(String s, int n) {
        StringBuilder sb = new StringBuilder(s.length() * n);
        for (int i = 0; i < n; i++) sb.append(s);
        return sb.toString();
    }

    /** JSON string literal; non-ASCII is written as raw UTF-8, controls/quotes/backslash escaped. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                case '\b': sb.append("\\b"); break;
                case '\f': sb.append("\\f"); break;
                default:
                    if (c < 0x20 || c == 0x7F || c == 0x2028 || c == 0x2029 || c == 0xFEFF) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
        return sb.toString();
    }
}
