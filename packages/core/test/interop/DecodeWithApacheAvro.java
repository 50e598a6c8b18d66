import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Conversions;
import org.apache.avro.Schema;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * Decodes Confluent wire-format values with Apache Avro's Java reader.
 *
 * <p>Reads one hex-encoded value per line on stdin, fetches each writer schema by id from the
 * registry (GET {registry}/schemas/ids/{id}), decodes it with GenericDatumReader and Avro's own
 * logical-type conversions, and prints a JSON list of {"schemaId", "value"}. The
 * interoperability test uses it to prove that what @kbus/core writes is readable by a
 * non-JavaScript Avro implementation with only the registry to go on.
 *
 * <p>JSON conventions of the output: timestamps as {"$date_ms": n}, decimals as
 * {"$decimal": "text"}, bytes as {"$bytes": "hex"}, and integers beyond 2^53 (which a
 * JavaScript number cannot hold exactly) as {"$int": "text"}.
 */
public final class DecodeWithApacheAvro {
  private static final long EXACT_IN_JAVASCRIPT = 1L << 53;
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  public static void main(String[] args) throws Exception {
    if (args.length != 1) throw new IllegalArgumentException("usage: DecodeWithApacheAvro <registry url>");
    String registry = args[0].replaceAll("/+$", "");
    HttpClient http = HttpClient.newHttpClient();
    ObjectMapper mapper = new ObjectMapper();
    GenericData data = new GenericData();
    data.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
    data.addLogicalTypeConversion(new Conversions.DecimalConversion());
    data.addLogicalTypeConversion(new Conversions.UUIDConversion());

    Map<Integer, GenericDatumReader<Object>> readers = new HashMap<>();
    ArrayNode out = NODES.arrayNode();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      line = line.strip();
      if (line.isEmpty()) continue;
      byte[] raw = HexFormat.of().parseHex(line);
      ByteBuffer header = ByteBuffer.wrap(raw, 0, 5);
      byte magic = header.get();
      if (magic != 0) throw new IllegalStateException("bad magic byte " + magic);
      int schemaId = header.getInt();
      GenericDatumReader<Object> reader = readers.get(schemaId);
      if (reader == null) {
        Schema schema = new Schema.Parser().parse(writerSchema(http, mapper, registry, schemaId));
        reader = new GenericDatumReader<>(schema, schema, data);
        readers.put(schemaId, reader);
      }
      BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(raw, 5, raw.length - 5, null);
      Object value = reader.read(null, decoder);
      if (!decoder.isEnd()) throw new IllegalStateException("bytes left over after the value of schema " + schemaId);
      ObjectNode entry = out.addObject();
      entry.put("schemaId", schemaId);
      entry.set("value", toJson(value));
    }
    System.out.println(mapper.writeValueAsString(out));
  }

  private static String writerSchema(HttpClient http, ObjectMapper mapper, String registry, int id) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(registry + "/schemas/ids/" + id)).GET().build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("registry answered " + response.statusCode() + " for schema id " + id);
    }
    return mapper.readTree(response.body()).get("schema").asText();
  }

  private static JsonNode toJson(Object value) {
    if (value == null) return NODES.nullNode();
    if (value instanceof GenericRecord record) {
      ObjectNode object = NODES.objectNode();
      for (Schema.Field field : record.getSchema().getFields()) object.set(field.name(), toJson(record.get(field.pos())));
      return object;
    }
    if (value instanceof Map<?, ?> map) {
      ObjectNode object = NODES.objectNode();
      map.forEach((key, item) -> object.set(key.toString(), toJson(item)));
      return object;
    }
    if (value instanceof Collection<?> items) {
      ArrayNode array = NODES.arrayNode();
      items.forEach((item) -> array.add(toJson(item)));
      return array;
    }
    if (value instanceof CharSequence || value instanceof GenericEnumSymbol<?> || value instanceof UUID) {
      return NODES.textNode(value.toString());
    }
    if (value instanceof Boolean b) return NODES.booleanNode(b);
    if (value instanceof Integer i) return NODES.numberNode(i);
    if (value instanceof Long l) {
      return l > EXACT_IN_JAVASCRIPT || l < -EXACT_IN_JAVASCRIPT ? tagged("$int", Long.toString(l)) : NODES.numberNode(l);
    }
    if (value instanceof Float f) return NODES.numberNode(f);
    if (value instanceof Double d) return NODES.numberNode(d);
    if (value instanceof Instant instant) return NODES.objectNode().put("$date_ms", instant.toEpochMilli());
    if (value instanceof BigDecimal decimal) return tagged("$decimal", decimal.toPlainString());
    if (value instanceof ByteBuffer bytes) {
      byte[] copy = new byte[bytes.remaining()];
      bytes.duplicate().get(copy);
      return tagged("$bytes", HexFormat.of().formatHex(copy));
    }
    if (value instanceof GenericFixed fixed) return tagged("$bytes", HexFormat.of().formatHex(fixed.bytes()));
    throw new IllegalStateException("no JSON form for a decoded " + value.getClass().getName());
  }

  private static ObjectNode tagged(String tag, String text) {
    return NODES.objectNode().put(tag, text);
  }
}
