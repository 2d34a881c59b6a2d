package dev.dreamdrop.operate;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.function.BiFunction;

/**
 * The operator API and the dashboard on the management server (127.0.0.1 by default, beside health and
 * metrics). When a token is configured, every API call must carry {@code Authorization: Bearer <token>}.
 */
public final class OperatorHttp {

    private OperatorHttp() {
    }

    public static void mount(Router router, OperatorApi api, String token, String dashboardHtml) {
        router.route("/api/*").handler(ctx -> {
            if (token == null || authorised(ctx, token)) {
                ctx.next();
            } else {
                ctx.response().setStatusCode(401).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                        .putHeader("WWW-Authenticate", "Bearer").end("{\"error\":\"a bearer token is required\"}");
            }
        });
        router.get("/api/jobs").blockingHandler(ctx -> {
            OperatorApi.Answer page = api.jobs(ctx.request().getParam("status"), ctx.request().getParam("set"),
                    ctx.request().getParam("since"), ctx.request().getParam("before"), ctx.request().getParam("limit"));
            if (page.next() != null) {
                ctx.response().putHeader("Link", "<" + nextPage(ctx, page.next()) + ">; rel=\"next\"");
            }
            send(ctx, page);
        });
        router.get("/api/jobs/:id").blockingHandler(ctx -> send(ctx, api.job(ctx.pathParam("id"))));
        router.post("/api/jobs/:id/cancel").blockingHandler(ctx -> send(ctx, api.cancel(ctx.pathParam("id"))));
        router.post("/api/jobs/:id/delete-model").blockingHandler(ctx -> send(ctx, api.deleteModel(ctx.pathParam("id"))));
        router.post("/api/jobs/:id/erase").blockingHandler(ctx -> send(ctx, api.erase(ctx.pathParam("id"))));
        router.post("/api/jobs/:id/retry").blockingHandler(ctx -> send(ctx, api.retry(ctx.pathParam("id"))));
        router.get("/api/models").blockingHandler(ctx -> send(ctx, api.models()));
        router.get("/api/events/parked").blockingHandler(ctx -> send(ctx, api.parkedEvents()));
        router.post("/api/events/:id/replay").blockingHandler(ctx -> send(ctx, api.replayEvent(ctx.pathParam("id"))));
        router.get("/api/uploads/parked").blockingHandler(ctx -> send(ctx, api.parkedUploads()));
        router.post("/api/uploads/:id/retry").blockingHandler(ctx -> send(ctx,
                api.retryUploadDeletion(ctx.pathParam("id"))));
        router.get("/api/jobs/:id/thumbnails/:n").blockingHandler(ctx -> sendJpeg(ctx, api::thumbnail));
        router.get("/api/jobs/:id/samples/:n").blockingHandler(ctx -> sendJpeg(ctx, api::samplePreview));
        router.get("/api/jobs/:id/photos.jpg").blockingHandler(ctx -> sendJpeg(ctx, (id, n) -> api.contactSheet(id)));
        router.get("/dashboard").handler(ctx -> ctx.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8").end(dashboardHtml));
    }

    private static boolean authorised(RoutingContext ctx, String token) {
        String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        return header != null && MessageDigest.isEqual(header.getBytes(StandardCharsets.UTF_8),
                ("Bearer " + token).getBytes(StandardCharsets.UTF_8));
    }

    /** A picture of a job, numbered by the path's {@code n}: a JPEG, or 404. */
    private static void sendJpeg(RoutingContext ctx, BiFunction<String, Integer, byte[]> picture) {
        byte[] jpeg;
        try {
            String n = ctx.pathParam("n");
            jpeg = picture.apply(ctx.pathParam("id"), n == null ? 0 : Integer.parseInt(n));
        } catch (NumberFormatException e) {
            jpeg = null;
        }
        if (jpeg == null) {
            ctx.response().setStatusCode(404).end();
        } else {
            // a job's pictures do not change (they may only go): a dashboard refreshing every 2 s need not fetch them
            ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "image/jpeg")
                    .putHeader(HttpHeaders.CACHE_CONTROL, "private, max-age=300").end(Buffer.buffer(jpeg));
        }
    }

    /** The same query, from the cursor on: what the {@code Link} header of a page points to. */
    private static String nextPage(RoutingContext ctx, String cursor) {
        StringBuilder next = new StringBuilder("/api/jobs?before=").append(cursor);
        ctx.queryParams().forEach((name, value) -> {
            if (!name.equals("before")) {
                next.append('&').append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=')
                        .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
            }
        });
        return next.toString();
    }

    private static void send(RoutingContext ctx, OperatorApi.Answer answer) {
        ctx.response().setStatusCode(answer.status()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(answer.body().toString());
    }
}
