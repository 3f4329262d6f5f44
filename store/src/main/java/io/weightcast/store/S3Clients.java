package io.weightcast.store;

import java.net.URI;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** S3 clients for AWS or an S3-compatible endpoint, credentials from the SDK's default chain. */
public final class S3Clients {
    private S3Clients() {
    }

    public static S3Client of(String endpoint, String region, boolean pathStyle) {
        return builder(endpoint, region, pathStyle).build();
    }

    /**
     * Checksums only where S3 requires them: since SDK 2.30 every upload carries a CRC trailer that S3-compatible stores do
     * not all accept, and our own SHA-256 is what a reader verifies.
     */
    public static S3ClientBuilder builder(String endpoint, String region, boolean pathStyle) {
        S3ClientBuilder b = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .region(Region.of(region))
                .forcePathStyle(pathStyle)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (endpoint != null && !endpoint.isBlank()) {
            b.endpointOverride(URI.create(endpoint.strip()));
        }
        return b;
    }
}
