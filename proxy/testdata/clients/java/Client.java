import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Fetches each URL given with java.net.http.HttpClient through the proxy
 * named by HTTPS_PROXY (CONNECT), trusting the store named by
 * javax.net.ssl.trustStore, and prints "status url" per URL.
 */
public class Client {
    public static void main(String[] args) throws Exception {
        URI proxy = URI.create(System.getenv("HTTPS_PROXY"));
        HttpClient client = HttpClient.newBuilder()
                .proxy(ProxySelector.of(new InetSocketAddress(proxy.getHost(), proxy.getPort())))
                .connectTimeout(Duration.ofSeconds(20))
                .build();
        for (String url : args) {
            HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).GET().build();
            HttpResponse<String> resp = client.send(req, HttpResponse.BodyHandlers.ofString());
            System.out.println(resp.statusCode() + " " + url);
        }
    }
}
