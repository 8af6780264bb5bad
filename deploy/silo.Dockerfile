# Once.Silo image: multi-stage build on the pinned .NET 10 SDK, runs as the non-root "app" user of the
# pinned ASP.NET runtime image. Build from the repository root:
#   docker build -f deploy/silo.Dockerfile -t once-silo .
FROM mcr.microsoft.com/dotnet/sdk:10.0.100-bookworm-slim AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY deploy/sql/ deploy/sql/
COPY src/ src/
RUN dotnet publish src/Once.Silo/Once.Silo.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0.0-bookworm-slim
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080 11111 30000
USER $APP_UID
HEALTHCHECK --interval=5s --timeout=6s --start-period=20s --retries=6 CMD ["dotnet", "Once.Silo.dll", "healthcheck"]
ENTRYPOINT ["dotnet", "Once.Silo.dll"]
