"""Operations: health check and Prometheus metrics of a running bot."""
