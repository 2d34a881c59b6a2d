package dev.dreamdrop.journal;

import javax.sql.DataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The queries code runs against a database, each with the parameters it was run with: a test can then ask the
 * database for the plan of exactly the SQL the code sends.
 */
final class RecordedQueries {

    record Query(String sql, List<Object> parameters) {
    }

    private final List<Query> queries = new CopyOnWriteArrayList<>();

    List<Query> queries() {
        return List.copyOf(queries);
    }

    /** {@code real}, recording every query it runs. */
    DataSource recording(DataSource real) {
        return proxy(DataSource.class, real, (method, arguments, result) ->
                method.getName().equals("getConnection") ? connection((Connection) result) : result);
    }

    private Connection connection(Connection real) {
        return proxy(Connection.class, real, (method, arguments, result) -> method.getName().equals("prepareStatement")
                ? statement((PreparedStatement) result, (String) arguments[0]) : result);
    }

    private PreparedStatement statement(PreparedStatement real, String sql) {
        Map<Integer, Object> parameters = new TreeMap<>();
        return proxy(PreparedStatement.class, real, (method, arguments, result) -> {
            if (method.getName().startsWith("set") && arguments != null && arguments.length == 2
                    && arguments[0] instanceof Integer index) {
                parameters.put(index, arguments[1]);
            } else if (method.getName().equals("executeQuery")) {
                queries.add(new Query(sql, List.copyOf(parameters.values())));
            }
            return result;
        });
    }

    private interface After {
        Object apply(Method method, Object[] arguments, Object result) throws Exception;
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, T real, After after) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (self, method, arguments) -> {
            try {
                return after.apply(method, arguments, method.invoke(real, arguments));
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }
}
