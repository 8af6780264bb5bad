# Once.Api image: multi-stage build on the .NET SDK that global.json pins (keep the tag in step with
# it), runs as the non-root "app" user of the pinned ASP.NET runtime image (.NET 10's images are
# Ubuntu 24.04). Build from the repository root:
#   docker build -f deploy/api.Dockerfile -t once-api .
FROM mcr.microsoft.com/dotnet/sdk:10.0.401-noble AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY deploy/sql/ deploy/sql/
COPY src/ src/
RUN dotnet publish src/Once.Api/Once.Api.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0.12-noble
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
USER $APP_UID
HEALTHCHECK --interval=5s --timeout=6s --start-period=20s --retries=6 CMD ["dotnet", "Once.Api.dll", "healthcheck"]
ENTRYPOINT ["dotnet", "Once.Api.dll"]
